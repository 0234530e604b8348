"""Calendar events (knowledge/events.yaml): dates firms should not miss, sent to topic subscribers a
configurable number of days before. Checked by `kb check`; the file is content, never invented dates.

An event:

    - id: world_ip_day
      date: "04-26"            # every year (MM-DD), or a single day: 2027-05-20
      topic: policy            # subscribers of this topic get it; `all`: subscribers of any topic
      title: 世界知识产权日
      title_en: World Intellectual Property Day
      text: …                  # the message (zh)
      text_en: …               # the message (en)
      source: ip-facts §10.5 …
      days_before: 7           # optional; default config.yaml reminders.calendar_days_before
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.common.schedule import at_local
from bot.common.vocab import IP_TOPICS
from bot.knowledge.base import KnowledgeBase, Problem, read_yaml, valid_id

EVENTS_FILE = "events.yaml"
EXTRA_KEY = "events"  # where the loaded events live in KnowledgeBase.extras
ALL_TOPICS = "all"
_YEARLY = re.compile(r"^(\d{2})-(\d{2})$")
_REQUIRED = ("id", "date", "topic", "title", "title_en", "text", "text_en", "source")
_OPTIONAL = ("days_before",)
MAX_DAYS_BEFORE = 90


@dataclass(frozen=True)
class CalendarEvent:
    id: str
    month: int
    day: int
    year: int | None  # None: every year
    topic: str | None  # None: every topic
    title: str
    title_en: str
    text: str
    text_en: str
    source: str
    days_before: int | None = None

    def on(self, year: int) -> date:
        """The event's day in `year` (29 February falls on the 28th in other years)."""
        return date(year, self.month, min(self.day, _last_day(year, self.month)))

    def next_date(self, today: date) -> date | None:
        """The next occurrence on or after `today` (None for a single day already past)."""
        if self.year is not None:
            day = date(self.year, self.month, self.day)
            return day if day >= today else None
        this_year = self.on(today.year)
        return this_year if this_year >= today else self.on(today.year + 1)

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.topic,) if self.topic else IP_TOPICS

    def message(self, day: date, lang: str) -> str:
        if lang == "en":
            return f"📅 {self.title_en} ({day.isoformat()})\n{self.text_en}"
        return f"📅 {self.title}（{day.isoformat()}）\n{self.text}"


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _date_problems(
    value: Any, where: str, eid: str
) -> tuple[tuple[int, int, int | None] | None, list[Problem]]:
    if isinstance(value, date):
        return (value.month, value.day, value.year), []
    match = _YEARLY.match(str(value))
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= _last_day(2028, month):  # a leap year allows 02-29
            return (month, day, None), []
    return None, [Problem(where, eid, "date", f"'{value}' is neither MM-DD (every year) nor YYYY-MM-DD")]


def _event(raw: Any, where: str, index: int) -> tuple[CalendarEvent | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(where, f"#{index + 1}", "event", "not a mapping")]
    eid = str(raw.get("id") or f"#{index + 1}")
    problems = [
        Problem(where, eid, name, "missing")
        for name in _REQUIRED
        if name != "date" and not str(raw.get(name) or "").strip()
    ]
    problems += [
        Problem(where, eid, name, "unknown field") for name in raw if name not in _REQUIRED + _OPTIONAL
    ]
    if "id" in raw and not valid_id(str(raw["id"])):
        problems.append(Problem(where, eid, "id", "use lower-case letters, digits and _"))
    topic = str(raw.get("topic") or "")
    if topic and topic != ALL_TOPICS and topic not in IP_TOPICS:
        problems.append(Problem(where, eid, "topic", f"unknown topic '{topic}' (or `{ALL_TOPICS}`)"))
    days_before = raw.get("days_before")
    if days_before is not None and (
        not isinstance(days_before, int) or not 0 <= days_before <= MAX_DAYS_BEFORE
    ):
        problems.append(
            Problem(where, eid, "days_before", f"must be a whole number from 0 to {MAX_DAYS_BEFORE}")
        )
    when, date_problems = (
        _date_problems(raw.get("date"), where, eid)
        if "date" in raw
        else (None, [Problem(where, eid, "date", "missing")])
    )
    problems += date_problems
    if problems or when is None:
        return None, problems
    month, day, year = when
    return CalendarEvent(
        id=eid,
        month=month,
        day=day,
        year=year,
        topic=None if topic == ALL_TOPICS else topic,
        title=raw["title"].strip(),
        title_en=raw["title_en"].strip(),
        text=raw["text"].strip(),
        text_en=raw["text_en"].strip(),
        source=raw["source"].strip(),
        days_before=days_before,
    ), []


def read_events(root: Path) -> tuple[tuple[CalendarEvent, ...], list[Problem]]:
    """knowledge/events.yaml (absent: no events), with its problems."""
    path = root / EVENTS_FILE
    where = f"{root.name}/{EVENTS_FILE}"
    if not path.exists():
        return (), []
    data, problems = read_yaml(path, root)
    if problems:
        return (), problems
    if not isinstance(data, list):
        return (), [Problem(where, "", "file", "must be a YAML list of events")]
    events: list[CalendarEvent] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        event, found = _event(raw, where, index)
        problems += found
        if event is not None:
            if event.id in seen:
                problems.append(Problem(where, event.id, "id", "duplicate id"))
            seen.add(event.id)
            events.append(event)
    return tuple(events), problems


def check_events(root: Path, kb: KnowledgeBase) -> list[Problem]:
    """kb check rule: validate the events file and attach the events to `kb`."""
    events, problems = read_events(root)
    kb.extras[EXTRA_KEY] = events
    return problems


def events_of(kb: KnowledgeBase) -> tuple[CalendarEvent, ...]:
    return kb.extras.get(EXTRA_KEY) or ()


def due_events(
    events: tuple[CalendarEvent, ...], now: datetime, today: date, days_before: int, hour: int
) -> list[tuple[CalendarEvent, date]]:
    """Events whose reminder time (`days_before` days ahead at `hour`) has come and whose day has not
    passed: sent late rather than never after a stop, never after the day itself."""
    due = []
    for event in events:
        day = event.next_date(today)
        if day is None:
            continue
        ahead = event.days_before if event.days_before is not None else days_before
        if at_local(day - timedelta(days=ahead), hour) <= now:
            due.append((event, day))
    return due
