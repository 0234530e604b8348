#!/usr/bin/env python3
"""The `EXPLAIN QUERY PLAN` of every statement the report and /stats run, as Markdown.

    python bench/query_plans.py [--events N] [--db PATH] > docs/query-plans.md

Runs the full report's figures (bot.metrics.report.collect) over a year and /stats over one day against a
database with the production schema and migrations (a fresh one seeded with --events synthetic events,
or --db), records each SELECT as SQLite ran it (parameters bound), and prints its plan with the function
that ran it and its median time over --rounds runs. Flags, per statement: a temporary B-tree (a sort or
distinct), a full table scan, and a table read (an index search that is not covering, or a row fetched
by id).
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_1m import DAYS, END  # noqa: E402
from bench.seed_events import seed  # noqa: E402
from bot.app import open_db  # noqa: E402
from bot.common.clock import local_date  # noqa: E402
from bot.common.config import load_settings  # noqa: E402
from bot.metrics.queries import Period, summary  # noqa: E402
from bot.metrics.report import collect  # noqa: E402

REPORT_MODULES = ("queries.py", "tickets.py", "report.py")
TABLES = ("events", "a", "q", "c", "e", "f", "asked", "later", "daily_aggregates", "active_firms", "tickets", "t", "o",
          "outbox", "meta", "subscriptions")  # the tables and the aliases the report's SQL gives them


LEFT = """What is left, and why (tests/metrics/test_report_reference.py checks that no statement reading the
events sorts in a temporary B-tree or scans the table outside a covering index, and that every figure
equals a row-by-row recount):

- `time>? AND time<?` inside every events search: a day reads a day's index entries. The indexes that
  lead with their GROUP BY columns (`idx_events_mix`, `idx_events_place`, `idx_events_user_time`,
  `idx_events_question`) are walked with a skip-scan (`ANY(...)`), which SQLite only plans from
  statistics: migrations `metrics` / 004 and 006 pin them in `sqlite_stat1`.
- `rated_answers` reads the ratings from the indexes (the column `rating`, storage migration 003) and
  each rated answer by its id (`row by id (a)`; for a 👎 choice, the question it answered too).
- `referrals` reads the partial index of referrals only (`idx_events_referral`, metrics migration 008)
  over their `referral_*` columns (storage migration 004), in time order, and counts in Python: no
  referral's row is read, and no sort.
- Table reads where the value is JSON in `detail`: the wording of `gap_phrasings` (only the shown gaps'
  texts). SQLite 3.40 covers neither an index on an expression nor a virtual generated column.
- `live_firms` reads each user's days in one walk of `idx_events_user_time` (grouped in index order) and
  turns days into weeks, months and the whole period at once; under two weeks it reads the (user, day)
  pairs of `idx_events_time_user`, as many as those days' events.
- `daily_aggregates`: the rolled-up data (one row per day and group, written once a day), grouped in a
  temporary B-tree; empty until the retention job has run. `reminders` and `gap_tickets` read other
  capabilities' small tables (outbox, tickets).
""".splitlines()


@dataclass(frozen=True)
class Statement:
    function: str
    sql: str


def caller() -> str:
    """The report function that issued the statement being traced."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_name
        if frame.f_code.co_filename.endswith(REPORT_MODULES) and not name.startswith(("_", "<")) and name != "once":
            return f"{Path(frame.f_code.co_filename).stem}.{name}"
        frame = frame.f_back
    return "?"


def traced(db, action) -> list[Statement]:
    """The distinct SELECT statements `action` runs, in order."""
    seen: dict[str, Statement] = {}

    def record(sql: str) -> None:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head in ("SELECT", "WITH") and sql not in seen:
            seen[sql] = Statement(caller(), sql)

    db.conn.set_trace_callback(record)
    try:
        action()
    finally:
        db.conn.set_trace_callback(None)
    return list(seen.values())


def plan(db, sql: str) -> list[str]:
    """The plan's lines, indented as SQLite nests them."""
    rows = db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def median_ms(db, sql: str, rounds: int) -> tuple[float, float]:
    """The statement's median wall-clock and CPU milliseconds, all rows fetched."""
    wall, cpu = [], []
    for _ in range(rounds):
        began, began_cpu = time.perf_counter(), time.process_time()
        db.execute(sql).fetchall()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def flags(lines: list[str]) -> list[str]:
    """What the plan does that an index could have spared."""
    found = []
    for line in (text.strip() for text in lines):
        if "TEMP B-TREE" in line:
            found.append("temporary B-tree")
        if line.startswith("SCAN ") and " USING " not in line and line.split()[1] in TABLES:
            found.append(f"full scan ({line.split()[1]})")
        if line.startswith(("SEARCH", "SCAN")) and " USING INDEX " in line:
            found.append(f"table read ({line.split()[1]})")
        if " USING INTEGER PRIMARY KEY " in line:
            found.append(f"row by id ({line.split()[1]})")
    return sorted(set(found))


def shown(sql: str) -> str:
    """The statement on one line, its long literals (the JSON lists of days or texts) cut short."""
    return re.sub(r"'(\[[^']{100,}\])'", lambda m: f"'{m.group(1)[:80]} …'", " ".join(sql.split()))


def floor_ms(db, period: Period, rounds: int) -> tuple[float, float]:
    """The floor: one pass over the period's entries of a covering index (bench/report_1m.py's)."""
    start, end = period.utc_bounds
    sql = f"SELECT count(*) FROM events INDEXED BY idx_events_time_user WHERE time >= '{start}' AND time < '{end}'"
    return median_ms(db, sql, rounds)


def markdown(title: str, statements: list[Statement], db, rounds: int, period: Period) -> list[str]:
    timed = [(statement, median_ms(db, statement.sql, rounds)) for statement in statements]
    wall, cpu = (sum(ms[i] for _, ms in timed) for i in (0, 1))
    floor = floor_ms(db, period, rounds)
    out = [f"## {title}: {wall:.1f} ms wall, {cpu:.1f} ms CPU in all", "",
           f"Floor, one covering-index pass over the period's events: {floor[0]:.1f} ms wall, {floor[1]:.1f} ms CPU; "
           f"the statements' CPU is {cpu / max(floor[1], 1e-3):.1f} × the floor's.", ""]
    for number, (statement, ms) in enumerate(timed, 1):
        lines = plan(db, statement.sql)
        noted = flags(lines)
        out += [f"### {number}. `{statement.function}` {ms[0]:.1f} ms wall, {ms[1]:.1f} ms CPU: "
                f"{', '.join(noted) if noted else 'index only'}",
                "",
                "```sql", shown(statement.sql), "```", "", "```", *lines, "```", ""]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="synthetic events in a fresh database")
    parser.add_argument("--db", type=Path, help="an existing database (e.g. bench/data/report_1m.db)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each statement (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = open_db(args.db or Path(scratch) / "plans.db")
        if db.execute("SELECT count(*) FROM events").fetchone()[0] == 0:
            seed(db, args.events, END, days=DAYS)
        today = local_date(END + timedelta(hours=1))
        year = Period(today - timedelta(days=DAYS), today - timedelta(days=1))
        day = today - timedelta(days=1)
        settings = load_settings().metrics
        report = traced(db, lambda: collect(db, year, settings, False, END))
        stats = traced(db, lambda: summary(db, day, day))
        count = db.execute("SELECT count(*) FROM events").fetchone()[0]
        lines = ["# Query plans of the report and /stats", "",
                 f"Generated by `python bench/query_plans.py{' --db ' + str(args.db) if args.db else ''}` "
                 f"over {count:,} events (SQLite {db.execute('SELECT sqlite_version()').fetchone()[0]}). "
                 "Each heading names the function and what its plan does that an index could spare: "
                 "a temporary B-tree (sort or distinct), a full scan, a table read (a non-covering index "
                 "search) or a row fetched by id; `index only` means the statement reads nothing but "
                 "covering indexes. Times are medians of warm runs on the machine that generated the file "
                 "(wall-clock and CPU: on a busy machine the CPU time is what the statement costs).", "",
                 *LEFT, ""]
        lines += markdown(f"Full report, {year.start} to {year.end} (bot.metrics.report.collect)", report, db,
                          args.rounds, year)
        lines += markdown(f"/stats for one day, {day} (bot.metrics.queries.summary)", stats, db, args.rounds,
                          Period(day, day))
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
