"""The answering capability's ports: what a channel hands the Engine (`Message`), what it gets back
(`Reply` with its `Choice`s), and what the Engine hands the specialists' desk (`Handoff`, `HandoffDesk`)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.answering.matcher import Candidate
from bot.common.typed import without_surrogates
from bot.language.normalize import TRADITIONAL, to_traditional

ANSWER, CLARIFY, FALLBACK = "answer", "clarify", "fallback"  # a Reply's decision
DECISIONS = (ANSWER, CLARIFY, FALLBACK)  # as events.decision stores them (bot/metrics reads them)
HANDOFF_INTENT = "handoff"
HANDOFF_PREFIX = "handoff:"  # handoff:<event id>: hand off the question of that (rated) reply
TOPIC_PREFIX = "topic:"  # topic:<topic>: a choice that opens the topic's menu
ACK_INTENT = "ack"


@dataclass(frozen=True)
class Message:
    """What a channel hands the Engine. `user_id` is raw; it is hashed before anything is stored."""

    channel: str
    user_id: str
    text: str
    language: str | None = None
    county: str | None = None
    now: datetime | None = None
    internal: bool = False
    industry: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", without_surrogates(self.text))


@dataclass(frozen=True)
class Choice:
    intent: str
    topic: str
    title: str


@dataclass(frozen=True)
class Reply:
    decision: str
    topic: str
    intent: str | None
    score: float
    text: str
    choices: tuple[Choice, ...] = ()
    station_types: tuple[str, ...] = ()
    event_id: int | None = None
    language: str = "zh"
    confidence: float | None = None  # calibrated P(the top entry is right), when the matcher decided

    def in_own_script(self) -> Reply:
        """The reply as it leaves the Engine: text and choices in traditional characters for zh-hant."""
        if self.language != TRADITIONAL:
            return self
        choices = tuple(replace(c, title=to_traditional(c.title)) for c in self.choices)
        return replace(self, text=to_traditional(self.text), choices=choices)


@dataclass(frozen=True)
class Handoff:
    """A question a firm leaves for a specialist, as the Engine hands it to the desk (bot/handoff/desk.py)."""

    channel: str
    user_id: str  # raw: the chat to answer in, which the desk keeps only sealed under the salt
    user: str  # salted hash
    question: str
    county: str | None
    language: str
    guesses: tuple[Candidate, ...]  # the bot's best candidates for the question, best first
    event_id: int  # the `handoff` event
    reply_to: int | None  # the event of the reply that led to it
    time: datetime
    internal: bool


@dataclass(frozen=True)
class Reading:
    """How a question was read: the decision, the ranked candidates, the words (as typed and as matched,
    which differ for a follow-up read with the last question) and the rule that decided."""

    decision: str
    candidates: tuple[Candidate, ...]
    words: tuple[str, ...]
    matched_words: tuple[str, ...]
    rule: str
    follow_up: bool
    confidence: float | None


class HandoffDesk(Protocol):
    """Where handed-off questions go (the channels wire bot.handoff.desk.TicketDesk in as `Engine.desk`)."""

    def open(self, handoff: Handoff) -> str:
        """Keep the question for a specialist; return what to tell the firm."""
        ...


def handoff_intent(event_id: int | None) -> str:
    """The choice that hands off the question of reply `event_id` (the plain handoff without one)."""
    return HANDOFF_INTENT if event_id is None else f"{HANDOFF_PREFIX}{event_id}"
