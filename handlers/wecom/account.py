"""A firm's own commands on WeCom and 微信客服, typed as text: /start, /help, /topics, /station, /profile,
/lang, /subscribe, /unsubscribe, /deadline, /mydeadlines, /forget — and the numbers typed back to their
questions.

bot/firms/onboarding.py decides and stores (the same as Telegram's buttons); this module words the questions
as numbered options (handlers/wecom/prompt.py)."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

from bot import app
from bot.answering.engine import Engine
from bot.answering.ports import TOPIC_PREFIX, Message
from bot.common.clock import Clock
from bot.common.vocab import IP_TOPICS
from bot.firms import onboarding
from bot.firms.onboarding import COUNTY, NOTICES, STEPS, Option
from bot.firms.profiles import LANGUAGES, Firm, Profiles
from bot.i18n.texts import text, title
from bot.reach.deadline_replies import added_reply, listing
from bot.reach.deadlines import Deadlines
from bot.stations.referrals import ANY_TOPIC, STATION_TOPICS, station_intent
from handlers.wecom.prompt import CHOICE, Prompt, reply_prompt

CHANNEL = "wecom"
FIRM_COMMANDS = (
    "start", "help", "topics", "station", "profile", "lang", "subscribe", "unsubscribe", "deadline", "mydeadlines",
    "forget",
)
# What a bare number answers besides Engine choices and the profile steps (bot/onboarding.STEPS).
LANG, SUBSCRIBE, UNSUBSCRIBE, FORGET = "lang", "subscribe", "unsubscribe", "forget"
DEADLINE, REMOVE_DEADLINE = "deadline", "remove_deadline"
STATION_TOPIC, STATION_COUNTY = "station_topic", "station_county:"  # the latter followed by the topic
YES, NO = "yes", "no"
_LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

MessageFor = Callable[[str, str], Message]  # (user id, typed text) → the Engine message from the profile
Forgotten = Callable[[str], None]  # told the user id after /forget erased the firm


class FirmDesk:
    """Runs a firm's commands and takes its answers to their numbered questions."""

    def __init__(
        self, engine: Engine, profiles: Profiles, clock: Clock, message_for: MessageFor, forgotten: Forgotten,
        deadlines: Deadlines, channel: str = CHANNEL,
    ) -> None:
        self.engine, self.profiles, self.clock, self.message_for = engine, profiles, clock, message_for
        self.forgotten, self.deadlines, self.channel = forgotten, deadlines, channel

    def ensure(self, user_id: str, language: str) -> tuple[Firm, bool]:
        """The firm's profile (on this channel, chat id = the user id), created if new (True) and
        active again if it had left; an active profile is only read (no write per message)."""
        firm = self.firm(user_id)
        if firm and firm.active:
            return firm, False
        return self.profiles.ensure(firm.user if firm else self.engine.events.firm(self.channel, user_id),
                                    self.channel, user_id, language, self.clock.now())

    def firm_or_unsaved(self, user_id: str, language: str) -> Firm:
        """The stored profile, or a blank one that is not stored (for specialists: staff are no firms)."""
        return self.firm(user_id) or onboarding.unsaved_firm(
            self.engine.events.user(self.channel, user_id), self.channel, user_id, language)

    def firm(self, user_id: str) -> Firm | None:
        return self.profiles.get(self.engine.events.firm(self.channel, user_id))

    # ---- commands ---------------------------------------------------------------------------

    def run(self, name: str, args: Sequence[str], user_id: str, firm: Firm, *, created: bool = False,
            specialist: bool = False) -> Prompt:
        """The reply to `/name args`."""
        lang, word = firm.language, " ".join(args)
        if name == "start":
            return self.start(firm, ask_profile=created)
        if name == "help":
            lines = [text("help", lang)] + ([text("help_specialist", lang)] if specialist else [])
            return Prompt("\n\n".join(lines), lang)
        if name == "topics":
            options = tuple(Option(TOPIC_PREFIX + t, title("topic", t, lang)) for t in IP_TOPICS)
            return Prompt(text("choose_topic", lang), lang, CHOICE, options)
        if name == "station":
            return self.station(user_id, firm, onboarding.topic_named(word) if word else None)
        if name == "profile":
            return self.step(COUNTY, lang, before=onboarding.summary(firm, lang))
        if name == "lang":
            return self._language(firm, word.lower())
        if name in (SUBSCRIBE, UNSUBSCRIBE):
            return self._subscriptions(firm, name == SUBSCRIBE, word)
        if name == DEADLINE:
            return self._add_deadline(user_id, firm, args)
        if name == "mydeadlines":
            return self._deadlines(firm)
        if name == FORGET:
            confirmed = word.lower() in (YES, "y", "确认")
            return self._forget(user_id, lang) if confirmed else self._confirm_forget(lang)
        raise ValueError(f"not a firm command: /{name}")

    def start(self, firm: Firm, ask_profile: bool) -> Prompt:
        """The welcome, the privacy notice and the not-legal-advice note; then the profile questions."""
        lang = firm.language
        welcome = onboarding.welcome(lang, menu_below=False)
        return self.step(COUNTY, lang, before=welcome) if ask_profile else Prompt(welcome, lang)

    def greet(self, prompt: Prompt) -> Prompt:
        """A first contact's reply: the welcome first, and (outside the profile questions) how to give one."""
        note = "" if prompt.kind in STEPS else text("profile_invite", prompt.language)
        return replace(prompt, text=onboarding.welcome(prompt.language, menu_below=False) + "\n\n" + prompt.text, note=note)

    def station(self, user_id: str, firm: Firm, topic: str | None) -> Prompt:
        """Stations for `topic`; asks the topic if not given, then the county if the profile has none."""
        lang = firm.language
        if topic not in (*STATION_TOPICS, ANY_TOPIC):
            options = tuple(onboarding.station_topic_options(lang))
            return Prompt(text("ask_station_topic", lang), lang, STATION_TOPIC, options)
        if not firm.county:
            options = tuple(onboarding.county_options(lang))
            question = onboarding.station_county_question(self.engine, lang)
            return Prompt(question, lang, STATION_COUNTY + topic, options, skippable=True)
        return self._stations(user_id, topic)

    def _stations(self, user_id: str, topic: str, county: str | None = None) -> Prompt:
        """The Engine's stations for the topic; a county picked here serves this request only."""
        message = self.message_for(user_id, "")
        if county:
            message = replace(message, county=county)
        return reply_prompt(self.engine.answer_intent(station_intent(topic), message))

    # ---- numbered answers -------------------------------------------------------------------

    def answer(self, kind: str, value: str | None, user_id: str, firm: Firm) -> Prompt:
        """The number typed back to a question of `kind` (`value` None: skipped)."""
        lang = firm.language
        if kind in STEPS:  # storing an answer keeps a profile (a specialist has none until then)
            firm, _ = self.ensure(user_id, lang)
            firm = onboarding.answer(self.profiles, firm.user, kind, value, self.clock.now())
            following = onboarding.next_step(kind)
            return self.step(following, lang) if following else Prompt(onboarding.summary(firm, lang), lang)
        if kind == LANG:
            return self._language(firm, value or "")
        if kind in (SUBSCRIBE, UNSUBSCRIBE):
            return self._subscriptions(firm, kind == SUBSCRIBE, value or "")
        if kind == REMOVE_DEADLINE:
            removed = value is not None and self.deadlines.remove(firm.user, int(value))
            return self._deadlines(firm, text("dl_removed", lang, id=value) if removed else "")
        if kind == FORGET:
            if value == YES:
                return self._forget(user_id, lang)
            return Prompt(text("forget_cancelled", lang), lang)
        if kind == STATION_TOPIC:
            return self.station(user_id, firm, value)
        if kind.startswith(STATION_COUNTY):
            return self._stations(user_id, kind[len(STATION_COUNTY):], county=value)
        raise ValueError(f"no question of kind {kind!r}")

    # ---- pieces -----------------------------------------------------------------------------

    @staticmethod
    def step(step: str, lang: str, before: str = "") -> Prompt:
        """One profile question; every step but the last can be skipped with 0."""
        question = onboarding.question(step, lang)
        return Prompt(
            f"{before}\n\n{question}" if before else question, lang, step,
            tuple(onboarding.options(step, lang)), skippable=step != NOTICES,
        )

    def _language(self, firm: Firm, wanted: str) -> Prompt:
        if wanted not in LANGUAGES:
            options = tuple(Option(code, _LANGUAGE_NAMES[code]) for code in LANGUAGES)
            return Prompt(text("choose_language", firm.language), firm.language, LANG, options)
        self.profiles.update(firm.user, self.clock.now(), language=wanted)
        return Prompt(text("language_set", wanted), wanted)

    def _subscriptions(self, firm: Firm, adding: bool, word: str = "") -> Prompt:
        """Subscribe to (or drop) the topic named, then list the subscriptions and what else to pick."""
        lang, stop_notices = firm.language, not adding and word == NOTICES
        topic = onboarding.topic_named(word) if word and not stop_notices else None
        if stop_notices:  # the broadcasts to every firm accepting notices stop here too
            firm = self.profiles.update(firm.user, self.clock.now(), notices=0)
        elif topic and adding:
            self.profiles.subscribe(firm.user, topic, self.clock.now())
        elif topic:
            self.profiles.unsubscribe(firm.user, topic)
        current = self.profiles.subscriptions(firm.user)
        status = onboarding.subscriptions_status(current, adding, lang)
        if word and not topic and not stop_notices:
            status = text("unknown_topic", lang, word=word) + "\n" + status
        offered = tuple(
            Option(t, title("topic", t, lang)) for t in onboarding.offered_topics(current, adding)
        )
        if not adding and firm.notices:
            status += "\n" + text("notices_on", lang)
            offered += (Option(NOTICES, text("notices_stop", lang)),)
        if not offered:
            return Prompt(status, lang)
        prompt = text("subscribe_choose" if adding else "unsubscribe_choose", lang)
        return Prompt(f"{status}\n\n{prompt}", lang, SUBSCRIBE if adding else UNSUBSCRIBE, offered)

    def _add_deadline(self, user_id: str, firm: Firm, args: Sequence[str]) -> Prompt:
        """/deadline kind date [note]: a deadline is kept for the firm, so its profile is stored."""
        if len(args) >= 2:
            firm, _ = self.ensure(user_id, firm.language)
        said = added_reply(self.deadlines, firm.user, args, self.engine.kb.facts, self.clock.now(), firm.language)
        return Prompt(said, firm.language)

    def _deadlines(self, firm: Firm, before: str = "") -> Prompt:
        """/mydeadlines: the firm's deadlines, each removable by its number."""
        said, mine = listing(self.deadlines, firm.user, firm.language)
        said = f"{before}\n{said}" if before else said
        options = tuple(Option(str(d.id), f"✖ #{d.id}") for d in mine)
        return Prompt(said, firm.language, REMOVE_DEADLINE if options else "", options)

    @staticmethod
    def _confirm_forget(lang: str) -> Prompt:
        options = (Option(YES, text("forget_yes", lang)), Option(NO, text("forget_no", lang)))
        return Prompt(text("forget_confirm", lang), lang, FORGET, options)

    def _forget(self, user_id: str, lang: str) -> Prompt:
        """Telegram's /forget (the profile, subscriptions, pending questions, the Engine's memory), then the
        channel's own traces (`forgotten`); the reply leaves no numbered offer behind."""
        app.forget(self.engine, self.channel, user_id)
        self.profiles.reread(self.engine.events.firm(self.channel, user_id))
        self.forgotten(user_id)
        return Prompt(text("forget_done", lang), lang, keeps_offer=True)
