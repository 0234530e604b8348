"""Injectable time: production code asks a Clock, tests move a ManualClock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Anything that tells the current, timezone-aware time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


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


def local_date(moment: datetime):
    """The Asia/Shanghai calendar date of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()
