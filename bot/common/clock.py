"""Injectable time: production code asks a Clock, tests move a ManualClock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Awaitable, Callable, Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Anything that tells the current, timezone-aware time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (for tests and simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


def simulated_sleep(clock: ManualClock) -> Callable[[float], Awaitable[None]]:
    """An injectable async `sleep` for a ManualClock: moves the clock instead of waiting (tests and
    simulations; exact when a single task does the sleeping, as the reminders' delivery loop does)."""
    import asyncio  # here, not at the top: `ask` and the CLIs start faster without asyncio

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)
    return sleep


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """How every table stores a time: UTC ISO-8601 to the second (the outbox: to the millisecond),
    so stored times sort and compare as text."""
    return moment.astimezone(UTC).isoformat(timespec=timespec)


def parse_utc_iso(text: str) -> datetime:
    """A time stored by `utc_iso`, back as an aware datetime."""
    return datetime.fromisoformat(text)


def local_date(moment: datetime):
    """The Asia/Shanghai calendar date of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()
