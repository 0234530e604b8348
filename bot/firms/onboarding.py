"""The firm's side of every channel: the welcome, the profile questions, the Engine message built
from the profile, topic names as typed, and /forget. Channels only render (buttons or numbers)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.common.vocab import CITY, COUNTIES, INDUSTRIES, IP_TOPICS
from bot.firms.profiles import Firm, Profiles
from bot.i18n.texts import list_separator, text, title, titles
from bot.stations.referrals import ANY_TOPIC, STATION_TOPICS

COUNTY, INDUSTRY, NOTICES = "county", "industry", "notices"
STEPS = (COUNTY, INDUSTRY, NOTICES)  # the profile questions, in order
_QUESTIONS = {COUNTY: "ask_county", INDUSTRY: "ask_industry", NOTICES: "ask_notices"}


@dataclass(frozen=True)
class Option:
    """One answer a channel offers (a button, or a numbered line): the value stored, the title shown."""

    value: str
    title: str


def welcome(lang: str, menu_below: bool = True) -> str:
    """The welcome, the two-line privacy notice and the not-legal-advice note. `menu_below`: the channel
    shows the topic menu under it (else the welcome points at /topics)."""
    first = "welcome" if menu_below else "welcome_typed"
    return "\n\n".join(text(key, lang) for key in (first, "privacy", "not_legal_advice"))


def unsaved_firm(user: str, channel: str, chat_id: str, language: str) -> Firm:
    """A blank profile that is not stored: what a view shows to someone without one (after /forget, or a
    specialist), so that looking never creates a firm."""
    return Firm(user, channel, chat_id, None, None, language, False, True, "", "")


def question(step: str, lang: str) -> str:
    return text(_QUESTIONS[step], lang)


def county_options(lang: str) -> list[Option]:
    return [Option(name, name) for name in COUNTIES] + [Option(CITY, title("county", CITY, lang))]


def options(step: str, lang: str) -> list[Option]:
    """The answers to one profile question (skipping is offered by the channel)."""
    if step == COUNTY:
        return county_options(lang)
    if step == INDUSTRY:
        return [Option(i, title("industry", i, lang)) for i in INDUSTRIES]
    return [Option("1", text("notices_yes", lang)), Option("0", text("notices_no", lang))]


def next_step(step: str) -> str | None:
    """The question after `step`, or None after the last."""
    position = STEPS.index(step) + 1
    return STEPS[position] if position < len(STEPS) else None


def answer(profiles: Profiles, user: str, step: str, value: str | None, now: datetime) -> Firm | None:
    """Store one profile answer and return the profile (None if the firm has none); a skipped (None) or
    unknown value changes nothing."""
    valid = value in {option.value for option in options(step, "zh")}
    if not valid:
        return profiles.get(user)
    stored = int(value == "1") if step == NOTICES else value
    return profiles.update(user, now, **{step: stored})


def summary(firm: Firm, lang: str) -> str:
    """The profile in one line."""
    unset = text("not_set", lang)
    county = title("county", firm.county, lang) if firm.county else unset
    industry = title("industry", firm.industry, lang) if firm.industry else unset
    notices = text("notices_yes" if firm.notices else "notices_no", lang)
    return text("profile_summary", lang, county=county, industry=industry, notices=notices)


def offered_topics(current: list[str], adding: bool) -> list[str]:
    """The topics to offer for subscribing (those not yet subscribed) or unsubscribing (the current)."""
    return [t for t in IP_TOPICS if t not in current] if adding else list(current)


def subscriptions_status(current: list[str], adding: bool, lang: str) -> str:
    """The subscribed topics in words; when adding and nothing is left to add, says so."""
    listed = list_separator(lang).join(title("topic", t, lang) for t in current)
    status = text("subscriptions", lang, topics=listed) if current else text("subscriptions_none", lang)
    if adding and not offered_topics(current, adding):
        status += "\n" + text("subscribed_all", lang)
    return status


def station_topic_options(lang: str) -> list[Option]:
    """The answers to /station's "what is it about?": the IP topics, then "any / other"."""
    topics = [Option(t, title("topic", t, lang)) for t in STATION_TOPICS]
    return [*topics, Option(ANY_TOPIC, text("station_any_topic", lang))]


def station_county_question(engine: Engine, lang: str) -> str:
    """/station's county question; it invites a shared location only when stations have positions."""
    asked = text("ask_station_county", lang)
    return f"{asked}{text('ask_station_location', lang)}" if engine.stations.has_positions else asked


def topic_named(word: str) -> str | None:
    """The IP topic a typed word names: its code (trademark) or title in either language (商标, Patents)."""
    wanted = word.strip().lower()
    for topic in IP_TOPICS:
        if wanted in (topic, *(name.lower() for name in titles("topic", topic))):
            return topic
    return None


def engine_message(
    channel: str, user_id: str, typed: str, firm: Firm | None, *, language: str | None = None,
    internal: bool = False,
) -> Message:
    """The Engine message for a firm: language, county and industry from its profile (`language`
    when there is no profile)."""
    return Message(
        channel, user_id, typed,
        language=firm.language if firm and firm.language else language,
        county=firm.county if firm else None,
        industry=firm.industry if firm else None,
        internal=internal,
    )
