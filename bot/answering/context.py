"""Dialogue memory: each user's last exchange (for follow-ups, numbers and handoff) and their last few
(for a later 👎 → 留给专员), kept in memory and forgotten when older than the context window."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.answering.matcher import Candidate
from bot.common.expiring import ExpiringMap
from bot.knowledge.base import Entry
from bot.stations.referrals import StationRequest

RECENT_TURNS = 10  # replies per user whose question a later 👎 → 留给专员 can still hand off
PRUNE_TURNS_EVERY = 1000  # remembered users that make the store shed expired conversations


@dataclass
class Turn:
    """What the Engine remembers of a user's last exchange (for follow-ups and handoff)."""

    at: datetime
    event_id: int
    decision: str
    question: str  # the question as the user means it (a follow-up with its context): a handoff's question
    entry: Entry | None = None
    tokens: tuple[str, ...] = ()  # the question as it was matched (follow-ups included)
    guesses: tuple[Candidate, ...] = ()  # the best candidates of the reply, for a handoff
    typed: str = ""  # what the user typed or picked, without context (the context of a follow-up)
    where: StationRequest | None = None  # the stations asked for, when the reply listed (or could not list) them
    language: str = "zh"
    options: int = 0  # how many choices the reply offered (a number beyond them picks nothing)


class Conversations:
    """Every user's last exchange and their last few, keyed by the salted user id."""

    def __init__(self, ttl: timedelta) -> None:
        self._last: ExpiringMap[str, Turn] = ExpiringMap(ttl, PRUNE_TURNS_EVERY)
        self._recent: ExpiringMap[str, deque[Turn]] = ExpiringMap(ttl, PRUNE_TURNS_EVERY)  # latest last

    def __contains__(self, user: str) -> bool:
        return user in self._last

    def __len__(self) -> int:
        return len(self._last)

    def last(self, user: str) -> Turn | None:
        """The user's last exchange, however old."""
        return self._last.latest(user)

    def context(self, user: str, now: datetime) -> Turn | None:
        """The last exchange when it answered an entry within the context window: what a follow-up leans on."""
        turn = self._last.get(user, now)
        return turn if turn and turn.entry else None

    def recent(self, user: str, event_id: int) -> Turn | None:
        """The remembered exchange of reply `event_id`, if still among the user's last few."""
        return next((t for t in self._recent.latest(user) or () if t.event_id == event_id), None)

    def keep(self, user: str, turn: Turn) -> None:
        """Remember a user's last exchange (those older than the context window go in time)."""
        recent = self._recent.latest(user) or deque(maxlen=RECENT_TURNS)
        recent.append(turn)
        self._recent.put(user, recent, turn.at)
        self._last.put(user, turn, turn.at)

    def end(self, user: str) -> None:
        """Forget the last exchange (a handoff or /forget): the next message starts afresh."""
        self._last.pop(user)

    def forget(self, user: str) -> None:
        """Drop everything remembered of the user."""
        self._last.pop(user)
        self._recent.pop(user)
