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
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable, Iterator

from rapidfuzz import fuzz, process
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.answering.ports import ANSWER, DECISIONS
from bot.common.clock import SHANGHAI, local_date, parse_utc_iso, utc_iso
from bot.common.vocab import SMALLTALK
from bot.storage.events import ASKED

UP, DOWN = "up", "down"
WEEK, MONTH, WHOLE = "week", "month", "period"
LONG_PERIOD_DAYS = 14  # active firms of a period this long or longer are counted in user order
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

# An answer's rating is the last feedback that replies to it (bot/metrics/retention.py rolls up by the same rule).
RATED_CTE = """rated AS (
    SELECT reply_to AS answer_id, detail ->> '$.value' AS value, max(id)
    FROM events INDEXED BY idx_events_kind_time_internal
    WHERE kind = 'feedback' AND time >= :start AND reply_to IS NOT NULL
    GROUP BY reply_to
)"""
# A referral's station as bot/stations/referrals.py writes it ({station, type, county, topic, ...}); the
# station_id/station_type spelling of the feature brief is read too.
REFERRAL_STATION = "coalesce(detail ->> '$.station', detail ->> '$.station_id')"
REFERRAL_TYPE = "coalesce(detail ->> '$.type', detail ->> '$.station_type')"
LIVE_RANGE = "time >= :start AND time < :end AND (internal = 0 OR :internal)"
AGGREGATE_RANGE = "day BETWEEN :first AND :last AND (internal = 0 OR :internal)"
RATEABLE_KINDS = "('question', 'choice')"


def _params(period: Period, include_internal: bool, **extra: object) -> dict[str, object]:
    start, end = period.utc_bounds
    return {"start": start, "end": end, "first": period.start.isoformat(), "last": period.end.isoformat(),
            "internal": int(include_internal), **extra}


@contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """One read transaction around several queries: they all see the same state, even if the retention
    job moves events into the aggregates meanwhile (a WAL reader keeps its snapshot). It is sqlite-utils'
    own deferred transaction, not the store's BEGIN IMMEDIATE: a report never holds the write lock."""
    with Database.atomic(db):
        yield


def _summed(db: Database, queries: Iterable[str], params: dict[str, object]) -> Counter[tuple]:
    """Rows of (key..., count) from several queries, added up by key (NULL read as '')."""
    counts: Counter[tuple] = Counter()
    for sql in queries:
        for *key, count in db.execute(sql, params).fetchall():
            if count:  # an aggregate over no rows is NULL
                counts[tuple("" if k is None else k for k in key)] += count
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


def ratings(db: Database, period: Period, include_internal: bool = False) -> Counter[tuple]:
    """Rated answers of the period by (topic, intent, last rating)."""
    live = f"""WITH {RATED_CTE}
        SELECT a.topic, a.intent, rated.value, count(*)
        FROM rated CROSS JOIN events AS a ON a.id = rated.answer_id
        WHERE a.decision = 'answer' AND a.kind IN {RATEABLE_KINDS} AND a.time >= :start AND a.time < :end
          AND (a.internal = 0 OR :internal) GROUP BY 1, 2, 3"""
    aggregated = f"""SELECT topic, intent, outcome, sum(count) FROM daily_aggregates
        WHERE decision = 'answer' AND kind IN {RATEABLE_KINDS} AND outcome IN ('up', 'down')
          AND {AGGREGATE_RANGE} GROUP BY 1, 2, 3"""
    return _summed(db, (live, aggregated), _params(period, include_internal))


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
    """Referrals by (station_id, station_type, county, topic) as the referral event's detail gives them."""
    live = f"""SELECT {REFERRAL_STATION}, {REFERRAL_TYPE}, coalesce(detail ->> '$.county', county),
            coalesce(detail ->> '$.topic', topic), count(*)
        FROM events INDEXED BY idx_events_kind_time_internal
        WHERE kind = 'referral' AND {LIVE_RANGE} GROUP BY 1, 2, 3, 4"""
    aggregated = f"""SELECT station_id, station_type, county, topic, sum(count) FROM daily_aggregates
        WHERE kind = 'referral' AND {AGGREGATE_RANGE} GROUP BY 1, 2, 3, 4"""
    return _summed(db, (live, aggregated), _params(period, include_internal))


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
    """Distinct users of each period counted from the events (one statement per kind of plan).

    Up to two weeks, the period's events are read in time order and their users counted in a temporary
    B-tree (as large as those days); longer ones walk the index in user order, skipping from user to user
    inside the time range, which counts distinct users without a B-tree (a seek per firm rather than a
    B-tree insert per event: the cheaper once a period has more events than firms)."""
    long = [(part.end - part.start).days >= LONG_PERIOD_DAYS for part in parts]
    counts: dict[int, int] = {}
    for in_user_order, index in ((False, "idx_events_time_user"), (True, "idx_events_user_time")):
        chosen = [i for i, is_long in enumerate(long) if is_long == in_user_order]
        bounds = json.dumps([list(parts[i].utc_bounds) for i in chosen])
        sql = f"""SELECT (SELECT count(DISTINCT user) FROM events INDEXED BY {index}
                WHERE time >= p.value ->> 0 AND time < p.value ->> 1 AND (internal = 0 OR :internal))
            FROM json_each(:bounds) AS p ORDER BY p.key"""
        rows = db.execute(sql, {"bounds": bounds, "internal": int(include_internal)}) if chosen else []
        counts.update(zip(chosen, (row[0] for row in rows), strict=True))
    return [counts[i] for i in range(len(parts))]


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
    """Each question text with its [fallback, 👎] counts (live events only: aggregates keep no text)."""
    fallbacks = f"""SELECT question, 0, count(*) FROM events INDEXED BY idx_events_gap
        WHERE kind = 'question' AND decision = 'fallback' AND {LIVE_RANGE} GROUP BY question"""
    thumbs_down = f"""WITH {RATED_CTE}
        SELECT coalesce(nullif(a.question, ''), asked.question), 1, count(*)
        FROM rated CROSS JOIN events AS a ON a.id = rated.answer_id
        LEFT JOIN events AS asked ON asked.id = a.reply_to
        WHERE rated.value = 'down' AND a.decision = 'answer' AND a.kind IN {RATEABLE_KINDS}
          AND a.time >= :start AND a.time < :end AND (a.internal = 0 OR :internal) GROUP BY 1"""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    found = _summed(db, (fallbacks, thumbs_down), _params(period, include_internal))
    for (question, source), count in found.items():
        text = " ".join(str(question).split())
        if text:
            counts[text][source] += count
    return counts


def gap_phrasings(db: Database, period: Period, include_internal: bool) -> dict[str, str]:
    """One wording as written for each (normalised) question text of the period's question events."""
    sql = f"""SELECT question, min(json_extract(detail, '$.{ASKED}')) FROM events INDEXED BY idx_events_mix
        WHERE kind = 'question' AND detail IS NOT NULL AND {LIVE_RANGE} GROUP BY question"""
    rows = db.execute(sql, _params(period, include_internal)).fetchall()
    return {" ".join(str(question).split()): said for question, said in rows if question and said}


def knowledge_gaps(
    db: Database, start: date, end: date, limit: int = 20, similarity: float = 85,
    include_internal: bool = False,
) -> list[Gap]:
    """The most frequent fallback and 👎 questions of the period, near-identical ones grouped.

    Greedy: the most frequent question opens a group, and each next one joins the first group whose
    example it matches with rapidfuzz token_sort_ratio >= `similarity`, or opens its own.
    """
    with snapshot(db):
        counts = gap_questions(db, Period(start, end), include_internal)
        phrasings = gap_phrasings(db, Period(start, end), include_internal)
    ranked = sorted(counts, key=lambda text: (-sum(counts[text]), text))[:GAP_CANDIDATES]
    gaps: list[Gap] = []
    examples: list[str] = []
    for text in ranked:
        match = process.extractOne(text, examples, scorer=fuzz.token_sort_ratio, score_cutoff=similarity)
        if match is None:
            gaps.append(Gap(text))
            examples.append(text)
        gap = gaps[match[2]] if match else gaps[-1]
        gap.fallback += counts[text][0]
        gap.thumbs_down += counts[text][1]
        gap.variants.append(text)
        gap.said = gap.said or phrasings.get(text, "")
    return sorted(gaps, key=lambda g: (-g.count, g.example))[:limit]


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
