"""Wording the Engine's replies: an entry's answer with its facts for the date that matters, the
clarifying choices, topic and group menus, the fallback, and the replies to first inputs."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.answering.context import Turn
from bot.answering.matcher import Candidate
from bot.answering.policy import ACK, HELP, MENU, NUMBER, Opening
from bot.answering.ports import (
    ACK_INTENT,
    ANSWER,
    CLARIFY,
    FALLBACK,
    HANDOFF_INTENT,
    TOPIC_PREFIX,
    Choice,
    Reply,
)
from bot.common.clock import local_date
from bot.common.config import Settings
from bot.common.vocab import IP_TOPICS, OUT_OF_SCOPE, SMALLTALK
from bot.i18n.texts import text, title
from bot.knowledge.base import Entry, KnowledgeBase
from bot.knowledge.menus import GROUP_PREFIX, group_entries, groups_of, topic_groups
from bot.language.question_dates import question_dates
from bot.stations.directory import stations_of
from bot.stations.referrals import WHERE_PREFIX, WHERE_TOPIC_PREFIX, is_where_intent

HANDOFF_WORD = "转人工"  # an answer that mentions it offers the handoff choice
GREETING_ENTRY, HELP_ENTRY = "sm_greeting", "sm_help"  # small talk that ends with the topic menu


class Replies:
    """The replies of one knowledge base (rebuilt with it on /reload)."""

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb
        self.settings = settings

    def answer(self, candidate: Candidate, lang: str, now: datetime, question: str = "") -> Reply:
        """The entry's answer with its facts as they apply on the question's dates (else today)."""
        entry = candidate.entry
        day = local_date(now)
        template = entry.answer_en if lang == "en" else entry.answer
        writing = "en" if lang == "en" else "zh"  # traditional characters are made from zh at the boundary
        body = self.kb.facts.render(template, writing, day, question_dates(question, day), entry.cites)
        if entry.topic != SMALLTALK:
            source = entry.source_en if lang == "en" and entry.source_en else entry.source
            body += "\n\n" + text("basis", lang, source=source, reviewed=entry.reviewed.strftime("%Y-%m"))
        choices = tuple(
            self.choice(self.kb.entries[i], lang) for i in entry.follow_ups if i in self.kb.entries
        )
        if entry.station_types and stations_of(self.kb):
            choices += (Choice(WHERE_PREFIX + entry.id, entry.topic, text("where_choice", lang)),)
        if HANDOFF_WORD in entry.answer or HANDOFF_WORD in body:  # the answer sends details to an adviser
            choices += (Choice(HANDOFF_INTENT, entry.topic, text("handoff_choice", lang)),)
        if entry.id in (GREETING_ENTRY, HELP_ENTRY):
            choices = self.top_menu(lang)
        return Reply(ANSWER, entry.topic, entry.id, candidate.score, body, choices, entry.station_types, language=lang)

    def clarify(self, candidates: list[Candidate], lang: str) -> Reply:
        floor = self.settings.matching.clarify_threshold
        shown = [candidates[0], *(c for c in candidates[1:] if c.score >= floor)][: self.settings.matching.max_choices]
        best = candidates[0]
        none_of_these = Choice(HANDOFF_INTENT, best.entry.topic, text("handoff_choice_none", lang))
        return Reply(
            CLARIFY, best.entry.topic, best.entry.id, best.score, text("clarify", lang),
            (*(self.choice(c.entry, lang) for c in shown), none_of_these), language=lang,
        )

    @staticmethod
    def top_menu(lang: str) -> tuple[Choice, ...]:
        """Every IP topic, then the handoff: what a firm can ask about."""
        menu = tuple(Choice(TOPIC_PREFIX + t, t, title("topic", t, lang)) for t in IP_TOPICS)
        return menu + (Choice(HANDOFF_INTENT, OUT_OF_SCOPE, text("handoff_choice", lang)),)

    def fallback(self, lang: str) -> Reply:
        return Reply(FALLBACK, OUT_OF_SCOPE, None, 0.0, text("fallback", lang), self.top_menu(lang), language=lang)

    def topic_menu(self, topic: str, lang: str) -> Reply:
        """A topic's groups (or its entries when it has one group or none)."""
        groups = topic_groups(self.kb, topic)
        if len(groups) > 1:
            choices = tuple(Choice(GROUP_PREFIX + g.id, topic, g.title_in(lang)) for g in groups)
            return Reply(CLARIFY, topic, TOPIC_PREFIX + topic, 0.0, text("topic_menu", lang), choices, language=lang)
        entries = [e for e in self.kb.entries.values() if e.topic == topic]
        if not entries:
            return self.fallback(lang)
        return Reply(
            CLARIFY, topic, TOPIC_PREFIX + topic, 0.0, text("topic_menu", lang),
            tuple(self.choice(e, lang) for e in entries), language=lang,
        )

    def group_menu(self, group_id: str, lang: str) -> Reply:
        """A group's entries, then a way back to its topic's groups."""
        group = groups_of(self.kb).get(group_id)
        if group is None:
            return self.fallback(lang)
        entries = tuple(self.choice(e, lang) for e in group_entries(self.kb, group_id))
        back = Choice(TOPIC_PREFIX + group.topic, group.topic,
                      text("back_to_topic", lang, topic=title("topic", group.topic, lang)))
        return Reply(CLARIFY, group.topic, GROUP_PREFIX + group_id, 0.0, text("topic_menu", lang),
                     (*entries, back), language=lang)

    def opening(self, opening: Opening, lang: str, previous: Turn | None, now: datetime) -> Reply:
        """The reply for one kind of first input (`previous`: the user's last exchange, if remembered)."""
        if opening.kind == MENU and opening.target.startswith(GROUP_PREFIX):
            return self.group_menu(opening.target[len(GROUP_PREFIX):], lang)
        if opening.kind == MENU:
            return self.topic_menu(opening.target[len(TOPIC_PREFIX):], lang)
        if opening.kind == HELP and HELP_ENTRY in self.kb.entries:
            return self.answer(Candidate(self.kb.entries[HELP_ENTRY], 100.0), lang, now)
        if opening.kind == ACK:
            return Reply(ANSWER, SMALLTALK, ACK_INTENT, 100.0, text("ack", lang), language=lang)
        if opening.kind == NUMBER and previous and previous.options:
            return Reply(FALLBACK, OUT_OF_SCOPE, None, 0.0,
                         text("number_out_of_range", lang, count=str(previous.options)), language=lang)
        if opening.kind == NUMBER:
            return Reply(FALLBACK, OUT_OF_SCOPE, None, 0.0, text("number_without_choices", lang),
                         self.top_menu(lang), language=lang)
        return self.fallback(lang)

    @staticmethod
    def choice(entry: Entry, lang: str) -> Choice:
        return Choice(entry.id, entry.topic, entry.title_in(lang))

    def with_other_parts(self, reply: Reply, parts: list[Entry], lang: str, asks_where: bool = False) -> Reply:
        """The main answer, then the other parts of the question (and where to go) as the first choices."""
        if not parts:
            return reply
        shown = {c.intent for c in reply.choices}
        extra = tuple(self.choice(e, lang) for e in parts if e.id not in shown)
        if asks_where and not any(is_where_intent(i) for i in shown):
            extra += (Choice(WHERE_TOPIC_PREFIX + reply.topic, reply.topic, text("where_choice", lang)),)
        others = "、" if lang != "en" else ", "
        note = text("other_parts", lang, parts=others.join(e.title_in(lang) for e in parts))
        return replace(reply, text=f"{reply.text}\n\n{note}", choices=extra + reply.choices)
