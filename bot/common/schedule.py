"""Calendar arithmetic for reminders: months that clamp to the month's end, recurrences, typed times.

All wall-clock times are Asia/Shanghai; the database keeps UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.common.clock import SHANGHAI

ONCE, WEEKLY, MONTHLY, YEARLY = "once", "weekly", "monthly", "yearly"
RECURRENCES = (ONCE, WEEKLY, MONTHLY, YEARLY)
# Words a specialist may type after a time for a recurrence (zh and en).
RECURRENCE_WORDS: dict[str, str] = {
    "每周": WEEKLY,
    "weekly": WEEKLY,
    "每月": MONTHLY,
    "monthly": MONTHLY,
    "每年": YEARLY,
    "yearly": YEARLY,
    "annually": YEARLY,
}
_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2}))?\s*(\S*)\s*$")


class BadTime(ValueError):
    """A typed date or time that cannot be used; `key` names the text to show (bot/i18n/texts.py)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (negative: back); a day the target month lacks clamps to its last
    day (31 Jan + 1 month = 28/29 Feb; 29 Feb 2028 − 12 months = 28 Feb 2027)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def occurrence(first: datetime, recurrence: str, number: int) -> datetime:
    """The `number`-th run (0 = `first`) of a schedule, counted from the first run so that a monthly
    reminder on the 31st stays on the 31st (or the month's last day), never drifting to the 28th."""
    if recurrence == ONCE:
        return first
    local = first.astimezone(SHANGHAI)
    if recurrence == WEEKLY:
        return (local + timedelta(weeks=number)).astimezone(first.tzinfo)
    months = number * (12 if recurrence == YEARLY else 1)
    moved = add_months(local.date(), months)
    return datetime.combine(moved, local.timetz()).astimezone(first.tzinfo)


def at_local(day: date, hour: int, tz: ZoneInfo = SHANGHAI) -> datetime:
    """`hour`:00 on `day` in Asia/Shanghai, as an aware datetime."""
    return datetime.combine(day, time(hour), tzinfo=tz)


@dataclass(frozen=True)
class When:
    """When a broadcast goes out: now, or `first` (aware) and then every `recurrence`."""

    first: datetime | None  # None: now
    recurrence: str = ONCE


def parse_when(typed: str, now: datetime, default_hour: int = 9) -> When:
    """A typed time: `2026-12-01 09:30`, `2026-12-01` (at `default_hour`), optionally followed by
    每周/每月/每年 (weekly/monthly/yearly). Asia/Shanghai; it must lie in the future."""
    match = _WHEN.match(typed)
    if not match:
        raise BadTime("when_format")
    year, month, day, hour, minute, word = match.groups()
    recurrence = ONCE
    if word:
        recurrence = RECURRENCE_WORDS.get(word.lower(), "")
        if not recurrence:
            raise BadTime("when_recurrence", word=word)
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or default_hour), int(minute or 0), tzinfo=SHANGHAI
        )
    except ValueError:
        raise BadTime("bad_date", value=typed.split()[0]) from None
    if moment <= now:
        raise BadTime("when_past", value=moment.strftime("%Y-%m-%d %H:%M"))
    return When(moment, recurrence)


def parse_date(typed: str) -> date:
    """A typed date YYYY-MM-DD (single-digit month and day allowed); a clear BadTime otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", typed)
    if not match:
        raise BadTime("date_format", value=typed)
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise BadTime("bad_date", value=typed.strip()) from None
