"""The bureau's figures, counted in SQL over the events and their daily aggregates (Asia/Shanghai days).

Each figure sums two sources: the live `events` table and `daily_aggregates`, where bot/metrics/retention.py
rolls up events past the retention before deleting them. An event is in exactly one of the two, so a
report over an old period gives the same counts after the rollup as before. Internal traffic
(specialists, the cli and test channels) is left out unless asked for.

Speed: each live query searches its time range inside a covering index whose column order matches its
GROUP BY, so SQLite aggregates while it walks the index; for the indexes that lead with the grouped
columns, pinned planner statistics make it skip from group to group within the range (a skip-scan), so
a day costs a day's events, not a year's. The plans, and the few table reads and sorts left (JSON
fields, which SQLite 3.40 cannot cover), are in docs/query-plans.md (bench/query_plans.py).
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable, Iterator, cast
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz, process
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.answering.ports import ANSWER, DECISIONS
from bot.common.clock import SHANGHAI, local_date, parse_utc_iso, utc_iso
from bot.common.vocab import SMALLTALK
from bot.storage.events import ASKED, REFERRAL_COLUMNS

UP, DOWN = "up", "down"
WEEK, MONTH, WHOLE = "week", "month", "period"
LONG_PERIOD_DAYS = 14  # a period this long or longer counts its active firms in user order, its ratings in answer order
GAP_CANDIDATES = 3000  # the most frequent distinct gap questions that are grouped
ROLLED_BEFORE_KEY = "metrics.rolled_before"  # meta: events of days before this date are only aggregates

migrations = Migrations("metrics")


@migrations(name="001_events_report_indexes")
def _report_indexes(db: Database) -> None:
    """Covering indexes, each ordered like the GROUP BY it serves (the time filter is read in the index)."""
    events = db.table("events")
    events.create_index(["kind", "time", "internal"], index_name="idx_events_kind_time_internal")
    events.create_index(["kind", "decision", "topic", "intent", "time", "internal"],
                        index_name="idx_events_mix")
    events.create_index(["kind", "county", "channel", "time", "internal"], index_name="idx_events_place")
    events.create_index(["time", "internal", "user"], index_name="idx_events_time_user")
    events.create_index(["reply_to"], index_name="idx_events_reply_to")


@migrations(name="002_daily_aggregates")
def _daily_aggregates(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE daily_aggregates (
            day TEXT NOT NULL,            -- Asia/Shanghai date
            kind TEXT NOT NULL, channel TEXT NOT NULL, internal INTEGER NOT NULL,
            county TEXT NOT NULL, topic TEXT NOT NULL, intent TEXT NOT NULL, decision TEXT NOT NULL,
            outcome TEXT NOT NULL,        -- answers: last rating (up/down); clarifications: resolved
            station_id TEXT NOT NULL, station_type TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, kind, channel, internal, county, topic, intent, decision, outcome,
                         station_id, station_type)
        )
        """
    )


@migrations(name="003_active_firms")
def _active_firms(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE active_firms (
            period TEXT NOT NULL,         -- week or month
            start TEXT NOT NULL,          -- its first Asia/Shanghai day
            internal INTEGER NOT NULL,    -- 1: specialists and internal channels counted too
            firms INTEGER NOT NULL,
            PRIMARY KEY (period, start, internal)
        )
        """
    )


# Planner statistics of a year of traffic (a million events), as ANALYZE measures them: they tell SQLite
# that the leading columns of these indexes repeat, so it skips from group to group inside the time
# range (a skip-scan) instead of walking every event of the kind. Pinned rather than measured, so the
# plans are the same on every database, empty or full (docs/query-plans.md).
PINNED_STATISTICS = {
    "idx_events_mix": "1000000 200000 140000 20000 2500 1 1",  # kind, decision, topic, intent, time, internal
    "idx_events_place": "1000000 75000 25000 5000 1 1",  # county, channel, kind, time, internal
    "idx_events_user_time": "1000000 125 1 1",  # user, time, internal
    "idx_events_question": "770000 250000 60 1 1 1",  # decision, question, time, internal, kind
}


@migrations(name="004_report_range_indexes")
def _range_indexes(db: Database) -> None:
    """Indexes whose time column is searched as a range, so a day costs a day's events, not a year's."""
    db.execute("DROP INDEX IF EXISTS idx_events_place")
    db.execute("CREATE INDEX idx_events_place ON events (county, channel, kind, time, internal)")
    db.execute("DROP INDEX IF EXISTS idx_events_kind_time_internal")
    db.execute("CREATE INDEX idx_events_kind_time_internal"
               " ON events (kind, time, internal, decision, reply_to)")
    db.execute("DROP INDEX IF EXISTS idx_events_reply_to")
    db.execute("CREATE INDEX idx_events_reply_to ON events (reply_to, kind)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_events_user_time ON events (user, time, internal)")
    pin_statistics(db)


@migrations(name="005_fallback_question_index")
def _gap_index(db: Database) -> None:
    """Fallback questions in text order, so the gaps are counted without a sort or a table read. Partial:
    only fallbacks are in it, and only a query that asks for fallbacks can use it (an index of every
    event leading with `kind` would be chosen for any `kind = ?` query and change its row order)."""
    db.execute("DROP INDEX IF EXISTS idx_events_gap")  # the first version of this index held every event
    db.execute("CREATE INDEX idx_events_gap ON events (question, time, internal, kind, decision)"
               " WHERE kind = 'question' AND decision = 'fallback'")


@migrations(name="006_fewer_event_indexes")
def _fewer_indexes(db: Database) -> None:
    """Fewer indexes written with every event: the three of the first schema are prefixes of the report's
    (time → idx_events_time_user, kind+time → idx_events_kind_time_internal, user → idx_events_user_time);
    replies are indexed only for the events that reply (choices, feedback, referrals); the fallbacks'
    index becomes one of every question by decision and text, which also finds a gap's wording as written."""
    for index in ("idx_events_time", "idx_events_kind_time", "idx_events_user", "idx_events_reply_to",
                  "idx_events_gap"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("CREATE INDEX idx_events_reply_to ON events (reply_to, kind, time) WHERE reply_to IS NOT NULL")
    db.execute("CREATE INDEX idx_events_question ON events (decision, question, time, internal, kind)"
               " WHERE kind = 'question'")
    pin_statistics(db)


@migrations(name="007_ratings_in_indexes")
def _ratings_in_indexes(db: Database) -> None:
    """The rating (column `rating`, storage migration 003) at the end of the two indexes the ratings are
    read through, so the report reads no feedback row."""
    db.execute("DROP INDEX IF EXISTS idx_events_reply_to")
    db.execute("CREATE INDEX idx_events_reply_to ON events (reply_to, kind, time, rating)"
               " WHERE reply_to IS NOT NULL")
    db.execute("DROP INDEX IF EXISTS idx_events_kind_time_internal")
    db.execute("CREATE INDEX idx_events_kind_time_internal"
               " ON events (kind, time, internal, decision, reply_to, rating)")


@migrations(name="008_referral_index")
def _referral_index(db: Database) -> None:
    """The referrals' stations, types, counties and topics (storage migration 004) in a partial index of
    referrals only: the report reads no referral's row, and no other event writes to it."""
    db.execute(f"CREATE INDEX idx_events_referral ON events (time, internal, {', '.join(REFERRAL_COLUMNS)}, kind)"
               " WHERE kind = 'referral'")


def pin_statistics(db: Database) -> None:
    """Write PINNED_STATISTICS into sqlite_stat1 (made, empty, by analysing only sqlite_master)."""
    db.execute("ANALYZE sqlite_master")
    db.conn.executemany("DELETE FROM sqlite_stat1 WHERE tbl = 'events' AND idx = ?",
                        [[index] for index in PINNED_STATISTICS])
    db.conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('events', ?, ?)",
                        list(PINNED_STATISTICS.items()))
    db.execute("ANALYZE sqlite_master")  # reloads the statistics into this connection's planner


# ---- periods --------------------------------------------------------------------------------------


def day_start_utc(day: date) -> str:
    """The UTC time at which an Asia/Shanghai day begins."""
    return utc_iso(datetime.combine(day, time(0), SHANGHAI))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_after(kind: str, start: date) -> date:
    """The first day after the week or month that begins on `start`."""
    return start + timedelta(days=7) if kind == WEEK else next_month(start)


@dataclass(frozen=True)
class Period:
    """Asia/Shanghai days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"the period starts ({self.start}) after it ends ({self.end})")

    @property
    def utc_bounds(self) -> tuple[str, str]:
        return day_start_utc(self.start), day_start_utc(self.end + timedelta(days=1))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def parts(self, kind: str) -> list[Period]:
        """The Monday-to-Sunday weeks or the months touched, clipped to the period."""
        parts, begin = [], week_start(self.start) if kind == WEEK else month_start(self.start)
        while begin <= self.end:
            after = period_after(kind, begin)
            parts.append(Period(max(begin, self.start), min(after - timedelta(days=1), self.end)))
            begin = after
        return parts

    def is_whole(self, kind: str) -> bool:
        """Whether this is exactly one whole week or month."""
        first = week_start(self.start) if kind == WEEK else month_start(self.start)
        return first == self.start and period_after(kind, first) - timedelta(days=1) == self.end


def last_weeks(today: date, weeks: int = 8) -> Period:
    """From the Monday `weeks - 1` weeks before this one to today (a default for /stats)."""
    return Period(week_start(today) - timedelta(weeks=weeks - 1), today)


# ---- counting: live events + daily aggregates -----------------------------------------------------

# An answer's rating is the last feedback that replies to it (bot/metrics/retention.py rolls up by the same rule):
# each feedback of the period is kept when no later feedback replies to the same answer, and joined to the
# answer by id. Both indexes hold the rating (column `rating`): no feedback row is read. {feedback} is
# the index the feedback is read through: a short period's in time order (as many as its days hold), a
# longer one's in answer order (the answers then read in id order, the later feedback next to it).
RATED_SQL = """SELECT a.topic, a.intent, f.rating,
        CASE WHEN f.rating = 'down' THEN coalesce(nullif(a.question, ''),
            (SELECT asked.question FROM events AS asked WHERE asked.id = a.reply_to)) END
    FROM events AS f INDEXED BY {feedback} CROSS JOIN events AS a ON a.id = f.reply_to
    WHERE f.kind = 'feedback' AND f.time >= :start AND f.reply_to IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events AS later INDEXED BY idx_events_reply_to
          WHERE later.reply_to = f.reply_to AND later.kind = 'feedback' AND later.time >= :start AND later.id > f.id)
      AND a.decision = 'answer' AND a.kind IN ('question', 'choice') AND a.time >= :start AND a.time < :end
      AND (a.internal = 0 OR :internal)"""
LIVE_RANGE = "time >= :start AND time < :end AND (internal = 0 OR :internal)"
AGGREGATE_RANGE = "day BETWEEN :first AND :last AND (internal = 0 OR :internal)"
RATEABLE_KINDS = "('question', 'choice')"


def _params(period: Period, include_internal: bool, **extra: object) -> dict[str, object]:
    start, end = period.utc_bounds
    return {"start": start, "end": end, "first": period.start.isoformat(), "last": period.end.isoformat(),
            "internal": int(include_internal), **extra}


_SNAPSHOT_MEMOS: WeakKeyDictionary[Database, dict[tuple, Any]] = WeakKeyDictionary()


@contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """One read transaction around several queries: they all see the same state, even if the retention
    job moves events into the aggregates meanwhile (a WAL reader keeps its snapshot). It is sqlite-utils'
    own deferred transaction, not the store's BEGIN IMMEDIATE: a report never holds the write lock.
    While it lasts, what `once` computed is kept (the state cannot change under it)."""
    outermost = db not in _SNAPSHOT_MEMOS
    if outermost:
        _SNAPSHOT_MEMOS[db] = {}
    try:
        with Database.atomic(db):
            yield
    finally:
        if outermost:
            del _SNAPSHOT_MEMOS[db]


def once(db: Database, key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, computed once per snapshot for this key (every time outside a snapshot)."""
    memo = _SNAPSHOT_MEMOS.get(db)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _blanked(key: Iterable[object]) -> tuple:
    """A grouping key with NULL read as ''."""
    return tuple("" if k is None else k for k in key)


def _add_blanked(counts: Counter[tuple], more: Counter[tuple]) -> None:
    """Add rows counted as they came (a C loop) to `counts`, NULL read as '' once per distinct key."""
    for key, count in more.items():
        counts[_blanked(key)] += count


def _summed(db: Database, queries: Iterable[str], params: dict[str, object]) -> Counter[tuple]:
    """Rows of (key..., count) from several queries, added up by key (NULL read as '')."""
    counts: Counter[tuple] = Counter()
    for sql in queries:
        for *key, count in db.execute(sql, params).fetchall():
            if count:  # an aggregate over no rows is NULL
                counts[_blanked(key)] += count
    return counts


def questions_per_day(db: Database, period: Period, include_internal: bool = False) -> dict[date, int]:
    """Questions on every day of the period (zeros included)."""
    days = [[d.isoformat(), day_start_utc(d), day_start_utc(d + timedelta(days=1))] for d in period.days()]
    live = """SELECT d.value ->> 0, (
            SELECT count(*) FROM events INDEXED BY idx_events_kind_time_internal
            WHERE kind = 'question' AND time >= d.value ->> 1 AND time < d.value ->> 2
              AND (internal = 0 OR :internal)) FROM json_each(:days) AS d"""
    aggregated = f"""SELECT day, sum(count) FROM daily_aggregates
        WHERE kind = 'question' AND {AGGREGATE_RANGE} GROUP BY day"""
    counts = _summed(db, (live, aggregated), _params(period, include_internal, days=json.dumps(days)))
    return {d: counts[(d.isoformat(),)] for d in period.days()}


def question_mix(db: Database, period: Period, include_internal: bool = False) -> Counter[tuple]:
    """Questions and pressed choices by (kind, decision, topic, intent)."""
    live = f"""SELECT kind, decision, topic, intent, count(*) FROM events INDEXED BY idx_events_mix
        WHERE kind IN {RATEABLE_KINDS} AND {LIVE_RANGE} GROUP BY kind, decision, topic, intent"""
    aggregated = f"""SELECT kind, decision, topic, intent, sum(count) FROM daily_aggregates
        WHERE kind IN {RATEABLE_KINDS} AND {AGGREGATE_RANGE} GROUP BY 1, 2, 3, 4"""
    return _summed(db, (live, aggregated), _params(period, include_internal))


def question_places(db: Database, period: Period, include_internal: bool = False) -> Counter[tuple]:
    """Questions by (county, channel)."""
    live = f"""SELECT county, channel, count(*) FROM events INDEXED BY idx_events_place
        WHERE kind = 'question' AND {LIVE_RANGE} GROUP BY county, channel"""
    aggregated = f"""SELECT county, channel, sum(count) FROM daily_aggregates
        WHERE kind = 'question' AND {AGGREGATE_RANGE} GROUP BY 1, 2"""
    return _summed(db, (live, aggregated), _params(period, include_internal))


def rated_answers(db: Database, period: Period, include_internal: bool = False) -> list[tuple]:
    """(topic, intent, last rating, the question when rated 👎) of each rated answer of the period: the
    satisfaction figures and the 👎 gaps read the same rows, counted once per snapshot."""
    long = (period.end - period.start).days >= LONG_PERIOD_DAYS
    sql = RATED_SQL.format(feedback="idx_events_reply_to" if long else "idx_events_kind_time_internal")
    return cast(list[tuple], once(db, ("rated", period, include_internal),
                                  lambda: db.execute(sql, _params(period, include_internal)).fetchall()))


def ratings(db: Database, period: Period, include_internal: bool = False) -> Counter[tuple]:
    """Rated answers of the period by (topic, intent, last rating)."""
    aggregated = f"""SELECT topic, intent, outcome, sum(count) FROM daily_aggregates
        WHERE decision = 'answer' AND kind IN {RATEABLE_KINDS} AND outcome IN ('up', 'down')
          AND {AGGREGATE_RANGE} GROUP BY 1, 2, 3"""
    counts = _summed(db, (aggregated,), _params(period, include_internal))
    _add_blanked(counts, Counter(row[:3] for row in rated_answers(db, period, include_internal)))
    return counts


def clarifications_resolved(db: Database, period: Period, include_internal: bool = False) -> int:
    """Clarifying questions of the period that the user answered by pressing a choice."""
    live = """SELECT count(*) FROM events AS q INDEXED BY idx_events_kind_time_internal
        WHERE q.kind = 'question' AND q.time >= :start AND q.time < :end AND (q.internal = 0 OR :internal)
          AND q.decision = 'clarify' AND EXISTS (SELECT 1 FROM events AS c INDEXED BY idx_events_reply_to
              WHERE c.reply_to = q.id AND c.kind = 'choice')"""
    aggregated = f"""SELECT sum(count) FROM daily_aggregates
        WHERE kind = 'question' AND decision = 'clarify' AND outcome = 'resolved' AND {AGGREGATE_RANGE}"""
    return sum(_summed(db, (live, aggregated), _params(period, include_internal)).values())


def referrals(db: Database, period: Period, include_internal: bool = False) -> Counter[tuple]:
    """Referrals by (station_id, station_type, county, topic) as the referral event's detail gives them
    (its `referral_*` columns, storage migration 004). Live referrals are read in time order from the
    partial index that holds only them, and counted here (grouping them in SQL would add a sort)."""
    live = f"""SELECT {', '.join(REFERRAL_COLUMNS)} FROM events INDEXED BY idx_events_referral
        WHERE kind = 'referral' AND {LIVE_RANGE}"""
    aggregated = f"""SELECT station_id, station_type, county, topic, sum(count) FROM daily_aggregates
        WHERE kind = 'referral' AND {AGGREGATE_RANGE} GROUP BY 1, 2, 3, 4"""
    params = _params(period, include_internal)
    counts = _summed(db, (aggregated,), params)
    _add_blanked(counts, Counter(db.execute(live, params)))
    return counts


# ---- satisfaction ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Satisfaction:
    """👍/👎 of answers, always with the share of answers that were rated."""

    answers: int = 0
    up: int = 0
    down: int = 0

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def response_rate(self) -> float | None:
        return self.rated / self.answers if self.answers else None

    @property
    def approval(self) -> float | None:
        """The share of 👍 among rated answers; never shown without response_rate."""
        return self.up / self.rated if self.rated else None

    def __add__(self, other: Satisfaction) -> Satisfaction:
        return Satisfaction(self.answers + other.answers, self.up + other.up, self.down + other.down)


def satisfaction_by(mix: Counter[tuple], rated: Counter[tuple], level: str) -> dict[str, Satisfaction]:
    """Satisfaction of IP answers (small talk left out) by `level`: topic, intent, or "" for all."""
    pick: Callable[[str, str], str] = {
        "topic": lambda topic, intent: topic, "intent": lambda topic, intent: intent,
    }.get(level, lambda topic, intent: "")
    result: dict[str, Satisfaction] = defaultdict(Satisfaction)
    for (_kind, decision, topic, intent), count in mix.items():
        if decision == ANSWER and topic != SMALLTALK:
            result[pick(topic, intent)] += Satisfaction(answers=count)
    for (topic, intent, value), count in rated.items():
        if topic != SMALLTALK and value in (UP, DOWN):
            result[pick(topic, intent)] += Satisfaction(up=count if value == UP else 0,
                                                        down=count if value == DOWN else 0)
    return dict(result)


# ---- active firms, subscribers, reminders (other features' tables) --------------------------------


def has_columns(db: Database, table: str, columns: Iterable[str]) -> bool:
    """Whether a table another feature owns exists with the columns of its contract."""
    return db[table].exists() and set(columns) <= set(db[table].columns_dict)


def rolled_before(db: Database) -> date | None:
    """Events of days before this date have been rolled up into daily aggregates and deleted."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [ROLLED_BEFORE_KEY]).fetchone()
    return date.fromisoformat(row[0]) if row else None


def live_firms(db: Database, parts: list[Period], include_internal: bool) -> list[int]:
    """Distinct users of each period counted from the events, without a sort, in the cheaper of two ways.

    A few periods (at most SEEKED_PERIODS of two weeks or more, the others within two weeks): each long
    one skips from user to user through idx_events_user_time (a search per firm, whatever its events),
    the short ones read their (user, day) pairs in time order (as many as those days' events). More
    periods (every week and month of a year): one walk of idx_events_user_time for them all
    (`_users_per_part`)."""
    long = [i for i, part in enumerate(parts) if (part.end - part.start).days >= LONG_PERIOD_DAYS]
    short = [i for i in range(len(parts)) if i not in long]
    short_days = (max(parts[i].end for i in short) - min(parts[i].start for i in short)).days if short else 0
    if len(long) > SEEKED_PERIODS or short_days >= LONG_PERIOD_DAYS:
        return _firms_in_one_walk(db, parts, include_internal)
    counts = dict(zip(short, _firms_of_days(db, [parts[i] for i in short], include_internal), strict=True))
    sql = """SELECT p.key, (SELECT count(DISTINCT user) FROM events INDEXED BY idx_events_user_time
            WHERE time >= p.value ->> 0 AND time < p.value ->> 1 AND (internal = 0 OR :internal))
        FROM json_each(:bounds) AS p"""
    bounds = json.dumps([list(parts[i].utc_bounds) for i in long])
    for key, firms in db.execute(sql, {"bounds": bounds, "internal": int(include_internal)}) if long else ():
        counts[long[key]] = firms
    return [counts[i] for i in range(len(parts))]


SEEKED_PERIODS = 4  # live_firms: up to this many long periods are counted by a search per firm each


def _day_params(span: Period, include_internal: bool) -> dict[str, object]:
    start, end = span.utc_bounds
    return {"start": start, "end": end, "internal": int(include_internal),
            "epoch": int(datetime.combine(span.start, time(0), SHANGHAI).timestamp())}


DAY_OF_EVENT = "(unixepoch(time) - :epoch) / 86400"  # days since the span's first (Asia/Shanghai) day
FIRMS_RANGE = "user IS NOT NULL AND time >= :start AND time < :end AND (internal = 0 OR :internal)"


def _firms_of_days(db: Database, parts: list[Period], include_internal: bool) -> list[int]:
    """Distinct users of periods within a few days: their (user, day) pairs, read in time order."""
    if not parts:
        return []
    span = Period(min(p.start for p in parts), max(p.end for p in parts))
    sql = f"SELECT user, {DAY_OF_EVENT} FROM events INDEXED BY idx_events_time_user WHERE {FIRMS_RANGE}"
    pairs = set(db.execute(sql, _day_params(span, include_internal)).fetchall())
    days = [((p.start - span.start).days, (p.end - span.start).days) for p in parts]
    return [len({user for user, offset in pairs if first <= offset <= last}) for first, last in days]


def _firms_in_one_walk(db: Database, parts: list[Period], include_internal: bool) -> list[int]:
    """Distinct users of many periods: idx_events_user_time walked once in user order, each user's events
    coming back as one string of day characters (grouped in the index's own order: no temporary B-tree)."""
    span = Period(min(p.start for p in parts), max(p.end for p in parts))
    sql = (f"SELECT group_concat(char({DAY_OF_EVENT} + {FIRST_DAY_CHAR}), '') "
           f"FROM events INDEXED BY idx_events_user_time WHERE {FIRMS_RANGE} GROUP BY user")
    users_days = [days for (days,) in db.execute(sql, _day_params(span, include_internal))]
    return _users_per_part(users_days, parts, span.start)


FIRST_DAY_CHAR = 0x100  # live_firms' character of a day: chr(FIRST_DAY_CHAR + days since the first day)


def _users_per_part(users_days: list[str], parts: list[Period], first: date) -> list[int]:
    """How many users have a day in each part, from each user's string of day characters: a users × parts
    table of booleans is set from every (user, day) at once (numpy, no sort), per layer of parts that do
    not overlap (weeks, months, the whole period)."""
    import numpy as np  # only here: matplotlib's dependency, not needed at start-up

    codes = np.frombuffer("\0".join(users_days).encode("utf-32-le"), dtype=np.uint32)
    separator = codes == 0
    users = np.cumsum(separator)[~separator]
    days = codes[~separator].astype(np.int64) - FIRST_DAY_CHAR
    span_days = (max(p.end for p in parts) - first).days + 1
    counts = [0] * len(parts)
    for layer in _layers(parts):
        part_of_day = np.full(span_days, -1, dtype=np.int64)
        for position, index in enumerate(layer):
            part_of_day[(parts[index].start - first).days:(parts[index].end - first).days + 1] = position
        hit = np.zeros((len(users_days), len(layer)), dtype=bool)
        chosen = part_of_day[days]
        inside = chosen >= 0
        hit[users[inside], chosen[inside]] = True
        for position, users_in_part in enumerate(hit.sum(axis=0).tolist()):
            counts[layer[position]] = users_in_part
    return counts


def _layers(parts: list[Period]) -> list[list[int]]:
    """The parts' indexes in layers of parts that do not overlap, each in time order."""
    layers: list[list[int]] = []
    for index in sorted(range(len(parts)), key=lambda i: parts[i].start):
        layer = next((layer for layer in layers if parts[layer[-1]].end < parts[index].start), None)
        if layer is None:
            layers.append([index])
        else:
            layer.append(index)
    return layers


def stored_firms(db: Database, include_internal: bool) -> dict[tuple[str, str], int]:
    """Active firms of whole weeks and months, stored by the daily job before their events go."""
    sql = "SELECT period, start, firms FROM active_firms WHERE internal = ?"
    return {(kind, start): firms for kind, start, firms in db.execute(sql, [int(include_internal)])}


def active_firms(
    db: Database, parts: list[tuple[str, Period]], include_internal: bool = False
) -> list[int | None]:
    """Distinct pseudonymous users per (kind, period); None where the events are only aggregates now."""
    boundary, stored = rolled_before(db), stored_firms(db, include_internal)
    result: list[int | None] = [None] * len(parts)
    to_count = []
    for i, (kind, part) in enumerate(parts):
        key = (kind, part.start.isoformat())
        if part.is_whole(kind) and key in stored:
            result[i] = stored[key]
        elif boundary is None or part.start >= boundary:
            to_count.append(i)
    counted = live_firms(db, [parts[i][1] for i in to_count], include_internal)
    for i, firms in zip(to_count, counted, strict=True):
        result[i] = firms
    return result


def local_day(utc_text: str) -> date:
    return local_date(parse_utc_iso(utc_text))


def first_subscriptions(db: Database) -> list[date]:
    """The day each current subscriber first consented (bot/firms/profiles.py keeps the subscriptions)."""
    sql = "SELECT min(consented_at) FROM subscriptions WHERE consented_at IS NOT NULL GROUP BY user"
    return [local_day(row[0]) for row in db.execute(sql).fetchall()]


def count_within(days: Iterable[date], period: Period) -> int:
    return sum(period.start <= d <= period.end for d in days)


@dataclass(frozen=True)
class FirmsRow:
    period: str  # week, month or period
    start: date
    end: date
    active: int | None
    new_subscribers: int


def firms_table(db: Database, period: Period, include_internal: bool = False) -> list[FirmsRow]:
    """Active firms and new subscribers per week, per month and for the whole period."""
    parts = [(k, p) for k in (WEEK, MONTH) for p in period.parts(k)] + [(WHOLE, period)]
    firsts = first_subscriptions(db)
    return [
        FirmsRow(kind, part.start, part.end, active,
                 count_within(firsts, part))
        for (kind, part), active in zip(parts, active_firms(db, parts, include_internal), strict=True)
    ]


REMINDER_STATUSES = ("sent", "failed", "blocked", "pending")
OUTBOX_COLUMNS = ("broadcast_id", "status", "repeated", "created")


@dataclass(frozen=True)
class ReminderRow:
    kind: str  # the broadcast's kind (broadcast, deadline, calendar); "" when it is not known
    broadcasts: int
    scheduled: int  # copies, one per recipient
    sent: int
    failed: int
    blocked: int
    pending: int
    repeated: int


def reminders(db: Database, period: Period) -> list[ReminderRow] | None:
    """Reminder copies created in the period, by broadcast kind; None while there is no outbox."""
    if not has_columns(db, "outbox", OUTBOX_COLUMNS):
        return None
    joined = has_columns(db, "broadcasts", ("id", "kind"))
    kind = "coalesce(b.kind, '')" if joined else "''"
    join = "LEFT JOIN broadcasts AS b ON b.id = o.broadcast_id" if joined else ""
    statuses = ", ".join(f"sum(o.status = '{s}')" for s in REMINDER_STATUSES)
    sql = (f"SELECT {kind} AS kind, count(DISTINCT o.broadcast_id), count(*), {statuses}, "
           f"coalesce(sum(o.repeated), 0) FROM outbox AS o {join} "
           "WHERE o.created >= ? AND o.created < ? GROUP BY 1 ORDER BY 1")
    return [ReminderRow(*row) for row in db.execute(sql, list(period.utc_bounds)).fetchall()]


# ---- knowledge gaps -------------------------------------------------------------------------------


@dataclass
class Gap:
    """Near-identical questions the bot could not answer (fallback) or whose answer got 👎."""

    example: str
    fallback: int = 0
    thumbs_down: int = 0
    variants: list[str] = field(default_factory=list)
    tickets: list[int] = field(default_factory=list)  # the tickets they became (bot/ticket_metrics.link_gaps)
    said: str = ""  # one of its questions as a firm wrote it (kept until retention or /forget), else ""

    @property
    def count(self) -> int:
        return self.fallback + self.thumbs_down


def gap_questions(db: Database, period: Period, include_internal: bool) -> dict[str, list[int]]:
    """Each question text with its [fallback, 👎] counts (live events only: aggregates keep no text).
    The fallbacks are read in text order (`+time`: the range is checked in the index, not searched, which
    would skip from decision to decision and sort the texts)."""
    fallbacks = """SELECT question, 0, count(*) FROM events INDEXED BY idx_events_question
        WHERE kind = 'question' AND decision = 'fallback' AND +time >= :start AND +time < :end
          AND (internal = 0 OR :internal) GROUP BY question"""
    found = _summed(db, (fallbacks,), _params(period, include_internal))
    found.update((question, 1) for *_, question in rated_answers(db, period, include_internal) if question)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (question, source), count in found.items():
        text = " ".join(str(question).split())
        if text:
            counts[text][source] += count
    return counts


# The wording as written (the least) of the question text wanted.value, from the period's question events:
# a search of idx_events_question, and only that text's rows read (the wording is JSON).
PHRASING_SQL = f"""(SELECT min(detail ->> '$.{ASKED}') FROM events INDEXED BY idx_events_question
    WHERE kind = 'question' AND question = wanted.value AND {LIVE_RANGE} AND detail IS NOT NULL)"""


def gap_phrasings(db: Database, period: Period, include_internal: bool, texts: Iterable[str]) -> dict[str, str]:
    """One wording as written for each of these question texts that has one."""
    sql = f"SELECT wanted.value, {PHRASING_SQL} FROM json_each(:texts) AS wanted"
    params = _params(period, include_internal, texts=json.dumps(sorted(set(texts)), ensure_ascii=False))
    return {text: said for text, said in db.execute(sql, params) if said}


def first_phrasing(db: Database, period: Period, include_internal: bool, texts: list[str]) -> str:
    """The wording as written of the first of these texts that has one, else "": the texts are searched
    in their order, and the search stops at the first found."""
    if not texts:
        return ""
    sql = f"""SELECT said FROM (SELECT {PHRASING_SQL} AS said FROM json_each(:texts) AS wanted)
        WHERE said IS NOT NULL AND said != '' LIMIT 1"""
    row = db.execute(sql, _params(period, include_internal, texts=json.dumps(texts, ensure_ascii=False))).fetchone()
    return row[0] if row else ""


def knowledge_gaps(
    db: Database, start: date, end: date, limit: int = 20, similarity: float = 85,
    include_internal: bool = False,
) -> list[Gap]:
    """The most frequent fallback and 👎 questions of the period, near-identical ones grouped.

    Greedy: the most frequent question opens a group, and each next one joins the group whose example it
    matches best with rapidfuzz token_sort_ratio >= `similarity` (the first of equals), or opens its own.
    """
    period = Period(start, end)
    with snapshot(db):
        counts = gap_questions(db, period, include_internal)
        ranked = sorted(counts, key=lambda text: (-sum(counts[text]), text))[:GAP_CANDIDATES]
        gaps: list[Gap] = []
        examples = SimilarTexts(ranked, similarity)
        for text in ranked:
            match = examples.best(text)
            if match is None:
                examples.add(text)
                gaps.append(Gap(text))
            gap = gaps[-1 if match is None else match]
            gap.fallback += counts[text][0]
            gap.thumbs_down += counts[text][1]
            gap.variants.append(text)
        shown = sorted(gaps, key=lambda g: (-g.count, g.example))[:limit]
        phrasings = gap_phrasings(db, period, include_internal, (gap.variants[0] for gap in shown))
        for gap in shown:
            gap.said = phrasings.get(gap.variants[0]) or first_phrasing(db, period, include_internal,
                                                                         gap.variants[1:])
    return shown


class SimilarTexts:
    """Texts indexed by their characters, so that a text is scored against the few that can reach the
    similarity rather than against all of them. The filter is exact: token_sort_ratio is 200·LCS/(m + n),
    so a score of s% needs at least s·m/(200 − s) characters of an m-character text in common with the
    other, so one of its m − that + 1 rarest characters (a multiset: the k-th 的 is its own character);
    only the texts holding one of those are scored, in the order they were added (ties go to the first)."""

    def __init__(self, corpus: Iterable[str], similarity: float) -> None:
        self.similarity = similarity
        self.texts: list[str] = []
        self.holding: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.characters = {text: characters(text) for text in corpus}  # each text's, worked out once
        self.rarity: Counter[tuple[str, int]] = Counter(c for found in self.characters.values() for c in found)

    def characters_of(self, text: str) -> list[tuple[str, int]]:
        found = self.characters.get(text)
        return characters(text) if found is None else found

    def add(self, text: str) -> None:
        for character in self.characters_of(text):
            self.holding[character].append(len(self.texts))
        self.texts.append(text)

    def best(self, text: str) -> int | None:
        """The index of the added text most similar to `text` at or above the similarity, or None."""
        share = min(self.similarity, 100) / 100
        common = math.ceil(share * len(text) / (2 - share) - 1e-6)
        if common < 1:
            candidates = list(range(len(self.texts)))
        else:
            rarest = sorted(self.characters_of(text), key=lambda c: (self.rarity[c], c))[:len(text) - common + 1]
            candidates = sorted({i for c in rarest for i in self.holding.get(c, ())})
        match = process.extractOne(text, [self.texts[i] for i in candidates], scorer=fuzz.token_sort_ratio,
                                   score_cutoff=self.similarity)
        return None if match is None else candidates[match[2]]


def characters(text: str) -> list[tuple[str, int]]:
    """A text's characters as a multiset: (character, how many of it came before), each once."""
    seen: dict[str, int] = {}
    found = []
    for character in text:
        before = seen.get(character, 0)
        found.append((character, before))
        seen[character] = before + 1
    return found


# ---- the summary ----------------------------------------------------------------------------------


def weekly(per_day: dict[date, int]) -> list[tuple[date, int]]:
    """Daily counts added up per week, labelled by the week's Monday."""
    weeks: Counter[date] = Counter()
    for day, count in per_day.items():
        weeks[week_start(day)] += count
    return sorted(weeks.items())


@dataclass(frozen=True)
class Summary:
    """The headline figures of a period (what /stats shows)."""

    period: Period
    questions: int
    decisions: dict[str, int]
    clarifications_resolved: int
    satisfaction: Satisfaction
    referrals: int
    active_firms: int | None
    new_subscribers: int
    weekly_questions: list[tuple[date, int]]
    topics: dict[str, int]

    @property
    def empty(self) -> bool:
        return self.questions == 0 and self.referrals == 0


def decisions_of(mix: Counter[tuple]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for (kind, decision, _topic, _intent), count in mix.items():
        if kind == "question":
            counts[decision] += count
    return {d: counts[d] for d in DECISIONS}


def topics_of(mix: Counter[tuple]) -> dict[str, int]:
    """Questions per topic, most asked first."""
    per_topic: Counter[str] = Counter()
    for (kind, _decision, topic, _intent), count in mix.items():
        if kind == "question":
            per_topic[topic or "out_of_scope"] += count
    return dict(per_topic.most_common())


def summary(db: Database, start: date, end: date, include_internal: bool = False) -> Summary:
    """The headline figures from `start` to `end` (Asia/Shanghai days, both included)."""
    period = Period(start, end)
    with snapshot(db):
        mix = question_mix(db, period, include_internal)
        per_day = questions_per_day(db, period, include_internal)
        firsts = first_subscriptions(db)
        return Summary(
            period=period,
            questions=sum(per_day.values()),
            decisions=decisions_of(mix),
            clarifications_resolved=clarifications_resolved(db, period, include_internal),
            satisfaction=satisfaction_by(mix, ratings(db, period, include_internal), "").get("", Satisfaction()),
            referrals=sum(referrals(db, period, include_internal).values()),
            active_firms=active_firms(db, [(WHOLE, period)], include_internal)[0],
            new_subscribers=count_within(firsts, period),
            weekly_questions=weekly(per_day),
            topics=topics_of(mix),
        )
