"""What the WeCom channel says back: Engine replies with numbered choices, +/- feedback, commands.

WeCom callback text has no buttons, so options are numbered lines ("回复 1/2/3") and a bare number is
read as the choice (0 skips a skippable question); an answer can be rated with + or -. This per-user
state is short-lived and kept in memory (a restart only means the user types the question again).
The firm's profile (bot/firms/profiles.py) is kept in the database and read for every Engine message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Callable

from bot.answering.ports import Message, handoff_intent
from bot.app import Services
from bot.common.expiring import ExpiringMap
from bot.firms import onboarding
from bot.firms.onboarding import Option
from bot.firms.profiles import Firm
from bot.i18n.texts import text
from bot.language.normalize import looks_english
from bot.reach.text_broadcast import TextComposer
from bot.specialist_commands import SpecialistCommands, parse_command
from bot.storage.events import FEEDBACK_KIND
from handlers.wecom.account import CHANNEL, FIRM_COMMANDS, FirmDesk
from handlers.wecom.messages import Inbound
from handlers.wecom.prompt import CHOICE, Prompt, render, reply_prompt

# WeChat's own thumbs are the codes [强] and [弱].
FEEDBACK_WORDS = {
    "+": "up", "＋": "up", "👍": "up", "[强]": "up", "-": "down", "－": "down", "👎": "down", "[弱]": "down",
}
SKIP_WORDS = frozenset({"0", "跳过", "skip"})
CLICK_EVENT, SUBSCRIBE_EVENT, UNSUBSCRIBE_EVENT = "click", "subscribe", "unsubscribe"
MAX_REMEMBERED_USERS = 10_000
_COMMAND_LIKE = re.compile(r"^/[A-Za-z]")


def _language_of_text(typed: str) -> str:
    """A new firm's language: English if its first message is (commands say nothing), else Chinese."""
    return "en" if looks_english(typed) and not typed.strip().startswith("/") else "zh"


@dataclass(frozen=True)
class _Offer:
    """What the user can answer with a number (or 0, or +/-) after the bot's last reply."""

    prompt: Prompt

    def pick(self, typed: str) -> Option | None:
        typed = typed.strip()
        options = self.prompt.options
        if typed.isdigit() and 1 <= int(typed) <= len(options):
            return options[int(typed) - 1]
        return None

    def skips(self, typed: str) -> bool:
        return self.prompt.skippable and typed.strip().lower() in SKIP_WORDS


class Conversation:
    """Turns one inbound WeCom message into the text to reply ('' for none)."""

    def __init__(self, services: Services, channel: str = CHANNEL) -> None:
        engine, clock = services.engine, services.clock
        self.engine, self.settings, self.clock, self.channel = engine, services.settings, clock, channel
        self.ticket_desk = services.desk  # human handoff (bot/handoff/desk.py)
        self.commands = SpecialistCommands(engine, services.settings, clock, self.ticket_desk)
        self.profiles = services.profiles
        self.desk = FirmDesk(engine, self.profiles, clock, self.message, self._forgotten, services.deadlines, channel)
        self.forget_listeners: list[Callable[[str], None]] = []  # the channel's other traces of a user
        self.composer = TextComposer(services.broadcasts, clock, channel, services.reminders.send_hour)
        self.composer.on_confirmed = services.delivery.wake  # 立即 goes at once
        self._offers: ExpiringMap[str, _Offer] = ExpiringMap(
            timedelta(minutes=services.settings.context_ttl_minutes), MAX_REMEMBERED_USERS)

    async def respond(self, inbound: Inbound) -> str:
        """The reply to one message or event as text ('' for none)."""
        prompt = await self.prompt_for(inbound)
        return render(prompt) if prompt else ""

    def reply_now(self, inbound: Inbound) -> str:
        """`respond` for what awaits nothing (everything but a `specialist_command`): one synchronous step,
        which the channel runs inside the message's write transaction."""
        prompt = self.prompt_now(inbound)
        return render(prompt) if prompt else ""

    async def prompt_for(self, inbound: Inbound) -> Prompt | None:
        """The reply to one message or event, options unrendered (None: nothing to say); a first contact
        creates the firm's profile and is welcomed."""
        command = self.specialist_command(inbound)
        if command is None:
            return self.prompt_now(inbound)
        name, args = command  # staff business: no firm profile, no welcome
        user_id, lang = inbound.from_user, self.language_of(inbound.from_user)
        said = await self.commands.run(name, self.channel, user_id, lang, args, raw=inbound.content)
        return self.say(user_id, Prompt(said, lang))

    def specialist_command(self, inbound: Inbound) -> tuple[str, list[str]] | None:
        """The specialists' command a text is (run with awaits: /reload checks the knowledge in a thread);
        None for anything else, and for every line of a broadcast draft being composed."""
        if inbound.msg_type != "text" or self.composer.composing(inbound.from_user):
            return None
        if parse_command(inbound.content, ("broadcast",)):
            return None
        return parse_command(inbound.content)

    def prompt_now(self, inbound: Inbound) -> Prompt | None:
        """`prompt_for` for what awaits nothing (everything but a `specialist_command`)."""
        if self.specialist_command(inbound):
            raise ValueError("a specialist command is awaited: use prompt_for")
        user_id = inbound.from_user
        if inbound.msg_type == "event":
            return self._on_event(inbound)
        composed = self._compose(user_id, inbound.content) if inbound.msg_type == "text" else None
        if composed is not None:  # a specialist's broadcast draft: staff business too
            return self.say(user_id, composed)
        language = _language_of_text(inbound.content)
        if self.commands.specialists.is_specialist(self.channel, user_id):  # staff: no firm profile, no welcome
            firm, created = self.desk.firm_or_unsaved(user_id, language), False
        else:
            firm, created = self.desk.ensure(user_id, language)
        if inbound.msg_type == "text":
            prompt = self._on_text(user_id, inbound.content, firm, created)
        elif inbound.msg_type == "location":
            prompt = self._on_location(user_id, inbound.location)
        else:
            prompt = Prompt(text("text_only", firm.language), firm.language)
        if created and not parse_command(inbound.content, ("start",)):
            prompt = self.desk.greet(prompt)
        return self.say(user_id, prompt)

    def message(self, user_id: str, typed: str, language: str | None = None) -> Message:
        """The Engine message for a WeCom user: language, county and industry from the firm's profile
        (`language`, when given, wins: a picked choice keeps the language it was offered in);
        specialists' traffic is internal. The one place that builds Messages."""
        firm = self.desk.firm(user_id)
        internal = self.commands.specialists.is_specialist(self.channel, user_id)
        message = onboarding.engine_message(self.channel, user_id, typed, firm, internal=internal)
        return replace(message, language=language) if language else message

    def language_of(self, user_id: str) -> str:
        """The profile's language, else that of the user's last reply (zh before any)."""
        firm = self.desk.firm(user_id)
        offer = self._offers.latest(user_id)
        return firm.language if firm else offer.prompt.language if offer else "zh"

    # ---- inbound kinds ----------------------------------------------------------------------

    def _compose(self, user_id: str, typed: str) -> Prompt | None:
        """/broadcast and the lines that edit a specialist's open draft (bot/reach/text_broadcast.py); None
        for anything else."""
        if self.composer.composing(user_id):
            lang = self.language_of(user_id)
            return Prompt(self.composer.reply(user_id, typed, lang), lang)
        if not parse_command(typed, ("broadcast",)):
            return None
        lang = self.language_of(user_id)
        if not self.commands.allowed(self.channel, user_id, "broadcast"):
            return Prompt(text("not_allowed", lang), lang)
        rest = typed.strip().split(maxsplit=1)[1:]
        return Prompt(self.composer.start(user_id, rest[0] if rest else "", lang), lang)

    def _on_text(self, user_id: str, typed: str, firm: Firm, created: bool) -> Prompt:
        lang = firm.language
        firm_command = parse_command(typed, FIRM_COMMANDS)
        if firm_command:
            name, args = firm_command
            specialist = self.commands.specialists.is_specialist(self.channel, user_id)
            return self.desk.run(name, args, user_id, firm, created=created, specialist=specialist)
        if _COMMAND_LIKE.match(typed.strip()):
            return Prompt(text("unknown_command", lang), lang)
        if not typed.strip():
            return Prompt(text("empty", lang), lang)
        to_specialist = self.ticket_desk.firm_text(self.channel, user_id, typed)  # 回复专员 …
        if to_specialist:
            return Prompt(to_specialist.text, lang)
        offer = self._offer(user_id)
        if offer:
            answered = self._answer(user_id, offer, typed, firm)
            if answered:
                return answered
        return reply_prompt(self.engine.handle(self.message(user_id, typed)))

    def _answer(self, user_id: str, offer: _Offer, typed: str, firm: Firm) -> Prompt | None:
        """A number (or 0, or + / -) typed back to the last reply; None when the text is something else."""
        prompt, picked = offer.prompt, offer.pick(typed)
        if picked and prompt.kind == CHOICE:
            message = self.message(user_id, "", prompt.language)
            return reply_prompt(self.engine.answer_intent(picked.value, message))
        if picked or offer.skips(typed):
            return self.desk.answer(prompt.kind, picked.value if picked else None, user_id, firm)
        value = FEEDBACK_WORDS.get(typed.strip())
        if value and prompt.rated is not None:
            return self._record_feedback(user_id, offer, value)
        return None

    def _on_location(self, user_id: str, position: tuple[float, float] | None) -> Prompt:
        """A shared location: the nearest stations (the position is never stored)."""
        if position is None:
            lang = self.language_of(user_id)
            return Prompt(text("stations_bad_location", lang), lang)
        return reply_prompt(self.engine.stations_near(self.message(user_id, ""), *position))

    def _on_event(self, inbound: Inbound) -> Prompt | None:
        user_id = inbound.from_user
        if inbound.event == CLICK_EVENT and inbound.event_key:
            message = self.message(user_id, "", self.language_of(user_id))
            return self.say(user_id, reply_prompt(self.engine.answer_intent(inbound.event_key, message)))
        if inbound.event == SUBSCRIBE_EVENT:
            firm, created = self.desk.ensure(user_id, "zh")
            return self.say(user_id, self.desk.start(firm, ask_profile=created))
        if inbound.event == UNSUBSCRIBE_EVENT:
            self._left(user_id)
        return None  # enter_agent, location reports, view …: nothing to say

    def _left(self, user_id: str) -> None:
        """The user unfollowed the app: the firm stays, inactive, until it writes again."""
        firm = self.desk.firm(user_id)
        if firm:
            self.profiles.update(firm.user, self.clock.now(), active=0)

    def _record_feedback(self, user_id: str, offer: _Offer, value: str) -> Prompt:
        """+ thanks (the last reply's numbers still pick); - thanks and offers the question to a specialist."""
        prompt, lang = offer.prompt, offer.prompt.language
        rated = prompt.rated
        self.engine.record_event(
            FEEDBACK_KIND, self.message(user_id, "", lang), reply_to=rated.event_id,
            topic=rated.topic, intent=rated.intent, detail={"value": value},
        )
        thanks = text("feedback_thanks", lang)
        if value == "down":
            handoff = (Option(handoff_intent(rated.event_id), text("handoff_choice", lang)),)
            return Prompt(f"{thanks}\n{text('ticket_offer_handoff', lang)}", lang, CHOICE, handoff)
        self._offers.replace(user_id, _Offer(replace(prompt, rated=None)))  # numbers still pick, same expiry
        return Prompt(thanks, lang, keeps_offer=True)

    # ---- per-user state ---------------------------------------------------------------------

    def say(self, user_id: str, prompt: Prompt) -> Prompt:
        """The reply; what its numbers mean replaces the last offer (unless it keeps it)."""
        if not prompt.keeps_offer:
            self._remember(user_id, prompt)
        return prompt

    def _forgotten(self, user_id: str) -> None:
        """After /forget: the user's numbered offer goes, and every listener drops what it keeps."""
        self._offers.pop(user_id)
        for forget in self.forget_listeners:
            forget(user_id)

    def _remember(self, user_id: str, prompt: Prompt) -> None:
        self._offers.put(user_id, _Offer(prompt), self.clock.now())

    def offered(self, user_id: str) -> Prompt | None:
        """The user's last reply whose options still pick (None when it expired or had none)."""
        offer = self._offer(user_id)
        return offer.prompt if offer else None

    def _offer(self, user_id: str) -> _Offer | None:
        return self._offers.get(user_id, self.clock.now())
