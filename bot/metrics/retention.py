"""The daily privacy job: events past the retention are rolled up into daily aggregates, then deleted.

Before that, every finished week and month gets its active-firm count stored (a distinct count cannot
be rebuilt from daily aggregates), so yearly figures survive the deletion. Idempotent: a second run the
same day finds nothing left to do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlite_utils import Database

from bot.common.clock import Clock, local_date
from bot.common.config import Settings
from bot.metrics.queries import (
    MONTH,
    ROLLED_BEFORE_KEY,
    WEEK,
    Period,
    day_start_utc,
    live_firms,
    local_day,
    month_start,
    rolled_before,
    week_start,
)

AGGREGATE_COLUMNS = ("day", "kind", "channel", "internal", "county", "topic", "intent", "decision", "outcome",
                     "station_id", "station_type")

# The same definitions as bot.metrics.queries counts live: an answer's outcome is its last rating (the feedback
# with the highest id replying to it); a clarifying question is resolved when a choice replies to it.
_ROLLUP_SQL = f"""
INSERT INTO daily_aggregates ({', '.join(AGGREGATE_COLUMNS)}, count)
SELECT date(e.time, '+8 hours'), e.kind, coalesce(e.channel, ''), e.internal,
    coalesce(CASE WHEN e.kind = 'referral' THEN e.referral_county ELSE e.county END, ''),
    coalesce(CASE WHEN e.kind = 'referral' THEN e.referral_topic ELSE e.topic END, ''),
    coalesce(e.intent, ''), coalesce(e.decision, ''),
    CASE
        WHEN e.decision = 'answer' AND e.kind IN ('question', 'choice') THEN coalesce((
            SELECT f.rating FROM events AS f
            WHERE f.reply_to = e.id AND f.kind = 'feedback' ORDER BY f.id DESC LIMIT 1), '')
        WHEN e.kind = 'question' AND e.decision = 'clarify' AND EXISTS (
            SELECT 1 FROM events AS c WHERE c.reply_to = e.id AND c.kind = 'choice') THEN 'resolved'
        ELSE ''
    END,
    coalesce(CASE WHEN e.kind = 'referral' THEN e.referral_station END, ''),
    coalesce(CASE WHEN e.kind = 'referral' THEN e.referral_type END, ''),
    count(*)
FROM events AS e WHERE e.time < :cutoff
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ON CONFLICT ({', '.join(AGGREGATE_COLUMNS)}) DO UPDATE SET count = count + excluded.count
"""


@dataclass(frozen=True)
class RetentionResult:
    retention_days: int
    cutoff: date  # events of days before this one are now only aggregates
    events_rolled_up: int
    periods_stored: int

    def describe(self) -> str:
        return (f"retention {self.retention_days} days: rolled up and deleted {self.events_rolled_up} events "
                f"of days before {self.cutoff}; "
                f"stored active firms for {self.periods_stored} week(s)/month(s)")


def finished_periods(db: Database, today: date) -> list[tuple[str, Period]]:
    """Whole weeks and months with live events that ended before yesterday (no late event will change
    them) and none of whose days were rolled up already."""
    earliest = db.execute("SELECT min(time) FROM events").fetchone()[0]
    if earliest is None:
        return []
    first, boundary = local_day(earliest), rolled_before(db)
    begin, last = min(week_start(first), month_start(first)), today - timedelta(days=2)
    if begin > last:
        return []
    return [(kind, part) for kind in (WEEK, MONTH) for part in Period(begin, last).parts(kind)
            if part.is_whole(kind) and (boundary is None or part.start >= boundary)]


def store_active_firms(db: Database, today: date) -> int:
    """Store the active firms of each finished week and month not stored yet; return how many."""
    stored = {(k, s) for k, s in db.execute("SELECT DISTINCT period, start FROM active_firms")}
    missing = [(k, p) for k, p in finished_periods(db, today) if (k, p.start.isoformat()) not in stored]
    periods = [p for _, p in missing]
    counts = {internal: live_firms(db, periods, bool(internal)) for internal in (0, 1)}
    db.conn.executemany(
        "INSERT OR REPLACE INTO active_firms (period, start, internal, firms) VALUES (?, ?, ?, ?)",
        [(kind, part.start.isoformat(), internal, counts[internal][i])
         for i, (kind, part) in enumerate(missing) for internal in (0, 1)],
    )
    return len(missing)


def run_retention(db: Database, clock: Clock, settings: Settings) -> RetentionResult:
    """Store finished periods' active firms, then roll up and delete the events past the retention."""
    retention_days = settings.metrics.retention_days
    today = local_date(clock.now())
    cutoff = today - timedelta(days=retention_days)
    with db.atomic():  # BEGIN IMMEDIATE (bot/storage/store.py): reads and writes stay consistent
        periods = store_active_firms(db, today)
        db.execute(_ROLLUP_SQL, {"cutoff": day_start_utc(cutoff)})
        rolled = db.execute("DELETE FROM events WHERE time < ?", [day_start_utc(cutoff)]).rowcount
        if cutoff > (rolled_before(db) or date.min):
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [ROLLED_BEFORE_KEY, cutoff.isoformat()])
    return RetentionResult(retention_days, cutoff, rolled, periods)

