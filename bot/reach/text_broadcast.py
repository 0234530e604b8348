"""The /broadcast flow for text channels without buttons (WeCom): a specialist's draft is edited with
short typed lines, every reply shows the preview with the exact recipient count, and nothing is
scheduled until `确认` / `confirm`. Drafts live in memory (a restart discards them, sending nothing)."""

from __future__ import annotations

from dataclasses import replace
from itertools import count
from typing import Any, Callable

from bot.common.clock import Clock
from bot.common.schedule import BadTime, When, parse_when
from bot.common.vocab import INDUSTRIES, canonical_county, industry_in_text
from bot.delivery.outbox import Creator
from bot.firms.onboarding import topic_named
from bot.i18n.texts import text, titles
from bot.reach.broadcasts import BroadcastDesk, Draft, describe_when

# First word of a line → what it sets (zh and en).
TOPICS, COUNTIES, INDUSTRIES_PART, NOTICES, TIME, CONFIRM, CANCEL = (
    "topics",
    "counties",
    "industries",
    "notices",
    "time",
    "confirm",
    "cancel",
)
KEYWORDS = {
    "主题": TOPICS, "topics": TOPICS, "topic": TOPICS,
    "县区": COUNTIES, "县": COUNTIES, "counties": COUNTIES, "county": COUNTIES,
    "行业": INDUSTRIES_PART, "industries": INDUSTRIES_PART, "industry": INDUSTRIES_PART,
    "通知": NOTICES, "notices": NOTICES,
    "时间": TIME, "time": TIME,
    "确认": CONFIRM, "confirm": CONFIRM,
    "取消": CANCEL, "cancel": CANCEL, "/cancel": CANCEL,
}  # fmt: skip
NONE_WORDS = ("无", "none", "-")
ON_WORDS, OFF_WORDS = ("开", "是", "on", "yes"), ("关", "否", "off", "no")
NOW_WORDS = ("立即", "现在", "now")


def _industry(word: str) -> str | None:
    lowered = word.lower()
    titled = next((i for i in INDUSTRIES if lowered in (i, *(t.lower() for t in titles("industry", i)))), None)
    return titled or industry_in_text(word)


class TextComposer:
    """One draft per specialist of a text channel; `reply` answers every line they type meanwhile."""

    def __init__(self, desk: BroadcastDesk, clock: Clock, channel: str, send_hour: int) -> None:
        self.desk, self.clock, self.channel, self.send_hour = desk, clock, channel, send_hour
        self.drafts: dict[str, Draft] = {}
        self.on_confirmed: Callable[[], None] = lambda: None  # the channel wakes its delivery loop
        self._numbers = count(1)

    def composing(self, user_id: str) -> bool:
        return user_id in self.drafts

    def start(self, user_id: str, typed: str, lang: str) -> str:
        """/broadcast [text]: open a draft; the text may follow the command or come next."""
        self.drafts[user_id] = Draft(next(self._numbers))
        return self._take_text(user_id, typed, lang) if typed.strip() else text("bc_ask_text", lang)

    def reply(self, user_id: str, typed: str, lang: str) -> str:
        """Apply one typed line to the specialist's open draft."""
        draft = self.drafts[user_id]
        if not draft.text:
            return self._take_text(user_id, typed, lang)
        word, _, rest = typed.strip().partition(" ")
        part = KEYWORDS.get(word.lower())
        if part == CANCEL:
            del self.drafts[user_id]
            return text("bc_discarded", lang)
        if part == CONFIRM:
            return self._confirm(user_id, draft, lang)
        if part is None:
            return text("bct_unknown", lang, word=word) + "\n\n" + self._view(draft, lang)
        try:
            self.drafts[user_id] = self._changed(draft, part, rest.split(), lang)
        except ValueError as problem:
            return f"{problem}\n\n{self._view(draft, lang)}"
        return self._view(self.drafts[user_id], lang)

    # ---- steps ------------------------------------------------------------------------------

    def _take_text(self, user_id: str, typed: str, lang: str) -> str:
        problem = self.desk.text_problem(typed, lang)
        if problem:
            return problem
        self.drafts[user_id] = replace(self.drafts[user_id], text=typed.strip())
        return self._view(self.drafts[user_id], lang)

    def _changed(self, draft: Draft, part: str, words: list[str], lang: str) -> Draft:
        """The draft with one part set from the typed words; ValueError (a message) when they are bad."""
        if part == NOTICES:
            if not words or words[0].lower() not in ON_WORDS + OFF_WORDS:
                raise ValueError(text("bct_notices_usage", lang))
            return replace(draft, audience=replace(draft.audience, notices=words[0].lower() in ON_WORDS))
        if part == TIME:
            if not words or words[0].lower() in NOW_WORDS:
                return replace(draft, when=When(None))
            try:
                return replace(draft, when=parse_when(" ".join(words), self.clock.now(), self.send_hour))
            except BadTime as exc:
                raise ValueError(text(exc.key, lang, **exc.values)) from None
        changes: dict[str, Any] = {part: self._values(part, words, lang)}
        return replace(draft, audience=replace(draft.audience, **changes))

    @staticmethod
    def _values(part: str, words: list[str], lang: str) -> tuple[str, ...]:
        if not words or words[0].lower() in NONE_WORDS:
            return ()
        parse: Callable[[str], str | None] = {
            TOPICS: topic_named,
            COUNTIES: canonical_county,
            INDUSTRIES_PART: _industry,
        }[part]
        values = [(word, parse(word)) for word in words]
        unknown = [word for word, value in values if value is None]
        if unknown:
            raise ValueError(text("bct_unknown_value", lang, words="、".join(unknown)))
        return tuple(dict.fromkeys(value for _, value in values if value))

    def _confirm(self, user_id: str, draft: Draft, lang: str) -> str:
        broadcast_id = self.desk.confirm(draft, Creator(self.channel, user_id, user_id, lang))
        del self.drafts[user_id]
        self.on_confirmed()
        when = describe_when(draft.when or When(None), lang)
        return text("bc_scheduled", lang, id=str(broadcast_id), when=when)

    def _view(self, draft: Draft, lang: str) -> str:
        return self.desk.preview(draft, lang) + "\n\n" + text("bct_help", lang)
