"""Usage counts for today and this week (Asia/Shanghai days, weeks from Monday) from the events table.

Internal traffic (specialists, `cli`, `test`) is left out unless asked for.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.clock import SHANGHAI

FEEDBACK_KIND = "feedback"
FEEDBACK_VALUES = ("up", "down")
DECISIONS = ("answer", "clarify", "fallback")


@dataclass(frozen=True)
class Counts:
    """What happened since `since` (local midnight): questions by decision and by topic, and more."""

    since: datetime
    questions: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    handoffs: int = 0
    feedback: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageStats:
    today: Counts
    week: Counts
    include_internal: bool


def period_starts(now: datetime, tz: ZoneInfo = SHANGHAI) -> tuple[datetime, datetime]:
    """Local midnight of today and of this week's Monday, as aware datetimes in `tz`."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), time(), tzinfo=tz)
    return today, today - timedelta(days=local.weekday())


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def count_since(db: Database, since: datetime, until: datetime, include_internal: bool = False) -> Counts:
    """Counts of the events with `since` <= time <= `until`."""
    where = "time >= ? and time <= ?" + ("" if include_internal else " and internal = 0")
    rows = db.query(
        f"select kind, decision, topic, channel, json_extract(detail, '$.value') as value from events where {where}",
        [_utc(since), _utc(until)],
    )
    decisions: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    feedback: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for row in rows:
        kinds[row["kind"]] += 1
        if row["kind"] == "question":
            decisions[row["decision"]] += 1
            topics[row["topic"]] += 1
            channels[row["channel"]] += 1
        elif row["kind"] == FEEDBACK_KIND and row["value"] in FEEDBACK_VALUES:
            feedback[row["value"]] += 1
    return Counts(
        since=since,
        questions=kinds["question"],
        decisions={d: decisions[d] for d in DECISIONS},
        topics=dict(topics.most_common()),
        channels=dict(channels.most_common()),
        handoffs=kinds["handoff"],
        feedback={v: feedback[v] for v in FEEDBACK_VALUES},
    )


def usage_stats(
    db: Database, now: datetime, tz: ZoneInfo = SHANGHAI, include_internal: bool = False
) -> UsageStats:
    """Today's and this week's counts at `now`."""
    today, monday = period_starts(now, tz)
    return UsageStats(
        today=count_since(db, today, now, include_internal),
        week=count_since(db, monday, now, include_internal),
        include_internal=include_internal,
    )
