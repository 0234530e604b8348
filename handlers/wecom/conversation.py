"""What the WeCom channel says back: Engine replies with numbered choices, +/- feedback, commands.

WeCom callback text has no buttons, so choices are numbered lines ("回复 1/2/3") and a bare number is
read as the choice; an answer can be rated with + or -. This per-user state is short-lived and kept
in memory (a restart only means the user types the question again).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.admin import SpecialistCommands, parse_command
from bot.broadcasts import BroadcastDesk
from bot.clock import Clock
from bot.config import Settings
from bot.engine import ANSWER, Choice, Engine, Message, Reply
from bot.profiles import Profiles
from bot.reminders import reminder_settings
from bot.specialists import is_specialist
from bot.text_broadcast import TextComposer
from bot.texts import text
from bot.vocab import SMALLTALK
from handlers.console import render
from handlers.wecom.messages import Inbound

CHANNEL = "wecom"
# WeChat's own thumbs are the codes [强] and [弱].
FEEDBACK_WORDS = {
    "+": "up", "＋": "up", "👍": "up", "[强]": "up", "-": "down", "－": "down", "👎": "down", "[弱]": "down",
}
CLICK_EVENT, SUBSCRIBE_EVENT = "click", "subscribe"
UNSUBSCRIBE_WORDS = ("/unsubscribe", "退订")
MAX_REMEMBERED_USERS = 10_000


@dataclass(frozen=True)
class _Offer:
    """What the user can answer with a number or +/- after the bot's last reply."""

    at: datetime
    language: str
    choices: tuple[Choice, ...]
    rated: Reply | None  # the answer a + or - would rate

    def pick(self, typed: str) -> Choice | None:
        typed = typed.strip()
        if typed.isdigit() and 1 <= int(typed) <= len(self.choices):
            return self.choices[int(typed) - 1]
        return None


def numbers_hint(count: int) -> str:
    return "/".join(str(n) for n in range(1, count + 1)) if count <= 4 else f"1–{count}"


def render_reply(reply: Reply) -> str:
    """The reply as WeCom text: the answer, numbered choices and what to type next."""
    lines = [render(reply)]
    if reply.choices:
        lines.append(text("reply_number", reply.language, numbers=numbers_hint(len(reply.choices))))
    if _rateable(reply):
        lines.append(text("rate_answer", reply.language))
    return "\n".join(lines)


def _rateable(reply: Reply) -> bool:
    return reply.decision == ANSWER and reply.topic != SMALLTALK and reply.event_id is not None


class Conversation:
    """Turns one inbound WeCom message into the text to reply ('' for none)."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.commands = SpecialistCommands(engine, settings, clock)
        reminders = reminder_settings(settings)
        desk = BroadcastDesk(engine.db, clock, reminders.max_text_chars)
        self.composer = TextComposer(desk, clock, CHANNEL, reminders.send_hour)
        self._offers: dict[str, _Offer] = {}

    async def respond(self, inbound: Inbound) -> str:
        if inbound.msg_type == "text":
            return await self._on_text(inbound.from_user, inbound.content)
        if inbound.msg_type == "event":
            return self._on_event(inbound)
        return text("text_only", self.language_of(inbound.from_user))

    def message(self, user_id: str, typed: str, language: str | None = None) -> Message:
        """The Engine message for a WeCom user; specialists' traffic is internal.

        The one place that builds Messages: a firm's profile (county, language) belongs here.
        """
        internal = is_specialist(self.settings, CHANNEL, user_id)
        return Message(CHANNEL, user_id, typed, language=language, internal=internal)

    # ---- inbound kinds ----------------------------------------------------------------------

    async def _on_text(self, user_id: str, typed: str) -> str:
        lang = self.language_of(user_id)
        if self.composer.composing(user_id):
            return self.composer.reply(user_id, typed, lang)
        if typed.strip().lower().startswith("/broadcast"):
            if not self.commands.allowed(CHANNEL, user_id, "broadcast"):
                return text("not_allowed", lang)
            return self.composer.start(user_id, typed.strip()[len("/broadcast"):], lang)
        if typed.strip().lower() in UNSUBSCRIBE_WORDS:  # the footer of every broadcast points here
            Profiles(self.engine.db).unsubscribe_all(self.engine.events.user(CHANNEL, user_id), self.clock.now())
            return text("unsubscribed_all", lang)
        command = parse_command(typed)
        if command:
            name, args = command
            return await self.commands.run(name, CHANNEL, user_id, lang, args)
        if not typed.strip():
            return text("empty", lang)
        offer = self._offer(user_id)
        if offer:
            choice = offer.pick(typed)
            if choice:
                return self._reply(user_id, self.engine.answer_intent(choice.intent, self.message(user_id, "", lang)))
            value = FEEDBACK_WORDS.get(typed.strip())
            if value and offer.rated is not None:
                return self._record_feedback(user_id, offer, value)
        return self._reply(user_id, self.engine.handle(self.message(user_id, typed)))

    def _on_event(self, inbound: Inbound) -> str:
        lang = self.language_of(inbound.from_user)
        if inbound.event == CLICK_EVENT and inbound.event_key:
            message = self.message(inbound.from_user, "", lang)
            return self._reply(inbound.from_user, self.engine.answer_intent(inbound.event_key, message))
        if inbound.event == SUBSCRIBE_EVENT:
            return text("welcome", lang)
        return ""  # enter_agent, location reports, view …: nothing to say

    def _record_feedback(self, user_id: str, offer: _Offer, value: str) -> str:
        rated = offer.rated
        self.engine.record_event(
            "feedback", self.message(user_id, "", offer.language), reply_to=rated.event_id,
            topic=rated.topic, intent=rated.intent, detail={"value": value},
        )
        self._offers[user_id] = _Offer(offer.at, offer.language, offer.choices, None)
        return text("feedback_thanks", offer.language)

    # ---- per-user state ---------------------------------------------------------------------

    def _reply(self, user_id: str, reply: Reply) -> str:
        self._remember(user_id, reply)
        return render_reply(reply)

    def _remember(self, user_id: str, reply: Reply) -> None:
        now = self.clock.now()
        if len(self._offers) >= MAX_REMEMBERED_USERS:
            self._forget_expired(now)
        self._offers[user_id] = _Offer(now, reply.language, reply.choices, reply if _rateable(reply) else None)

    def _offer(self, user_id: str) -> _Offer | None:
        offer = self._offers.get(user_id)
        if offer and self.clock.now() - offer.at <= self._ttl:
            return offer
        return None

    def language_of(self, user_id: str) -> str:
        """The language of the user's last reply (zh before any)."""
        offer = self._offers.get(user_id)
        return offer.language if offer else "zh"

    def _forget_expired(self, now: datetime) -> None:
        self._offers = {u: o for u, o in self._offers.items() if now - o.at <= self._ttl}
        if len(self._offers) >= MAX_REMEMBERED_USERS:  # all recent: drop the oldest half
            oldest = sorted(self._offers, key=lambda u: self._offers[u].at)[: MAX_REMEMBERED_USERS // 2]
            for user in oldest:
                del self._offers[user]

    @property
    def _ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.context_ttl_minutes)
