"""A per-user sliding-window flood limit, channel-agnostic, on an injectable Clock."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Hashable

from bot.common.clock import Clock

PRUNE_EVERY = 1000  # checks between sweeps of idle users


class Verdict(Enum):
    ALLOW = "allow"  # under the limit: handle the message
    WARN = "warn"  # first message over the limit in this window: tell the user once
    DROP = "drop"  # over the limit and already told: ignore silently


@dataclass(frozen=True)
class FloodLimit:
    messages: int = 20
    per_seconds: float = 60


class FloodLimiter:
    """At most `limit.messages` accepted messages per user in any `limit.per_seconds` window.

    Refused messages do not count, so a user is served again as soon as the window has room.
    """

    def __init__(self, limit: FloodLimit, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self._window = timedelta(seconds=limit.per_seconds)
        self._accepted: dict[Hashable, deque[datetime]] = {}
        self._warned: dict[Hashable, datetime] = {}
        self._checks = 0

    def check(self, key: Hashable) -> Verdict:
        """Count one message of `key` and say whether to handle it."""
        now = self.clock.now()
        self._checks += 1
        if self._checks % PRUNE_EVERY == 0:
            self._forget_idle(now)
        times = self._accepted.setdefault(key, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        if len(times) < self.limit.messages:
            times.append(now)
            return Verdict.ALLOW
        warned = self._warned.get(key)
        if warned is not None and now - warned < self._window:
            return Verdict.DROP
        self._warned[key] = now
        return Verdict.WARN

    def forget(self, key: Hashable) -> None:
        """/forget: drop the user's window at once (it is kept under the raw user id)."""
        self._accepted.pop(key, None)
        self._warned.pop(key, None)

    def _forget_idle(self, now: datetime) -> None:
        """Drop users with nothing inside the window (keeps memory bounded on a long run)."""
        def idle(key: Hashable) -> bool:
            times, warned = self._accepted[key], self._warned.get(key)
            quiet = not times or now - times[-1] >= self._window
            return quiet and (warned is None or now - warned >= self._window)

        for key in [key for key in self._accepted if idle(key)]:
            del self._accepted[key]
            self._warned.pop(key, None)
