#!/usr/bin/env python3
"""Time the bureau's report over 1,000,000 events, beside its floor: one pass over a covering index.

    python bench/report_1m.py [--events N] [--db PATH] [--rebuild] [--repeat 3] [--quick]

The database is built once with the production schema, migrations and indexes (bot.storage.store.open_db) under
bench/data/ (git-ignored) and reused. Printed: the time to count every figure and to write the whole
report (Markdown, CSV, four PNG charts), first before the daily job has stored any week's or month's
active firms, then after it (the steady state in production), and /stats over the last day. The
floor is one pass over the period's entries of a covering index (count(*) over idx_events_time_user): no
report can read its events in less. Each row is the median of --repeat runs, wall-clock and CPU (on a
busy machine the CPU time is what the work costs); importing matplotlib, once per process, is timed on
its own. A per-row Python recount of the same figures must agree with them (it is not timed), and the
checksum of the report's CSV tables is printed: the same before and after a change means the same figures.
--quick: 20,000 events in bench/data/report_quick.db, one run each.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed_events import seed
from bot.app import open_db
from bot.common.clock import ManualClock, local_date
from bot.common.config import load_settings
from bot.common.tables import csv_bytes
from bot.metrics.queries import Period, local_day, summary, week_start
from bot.metrics.report import ReportData, collect, tables, write_report
from bot.metrics.retention import run_retention

END = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 2026-11-26 00:00 in Shanghai
DAYS = 360  # inside the default 365-day retention, so the daily job deletes nothing


def naive_figures(db, period: Period) -> dict[str, object]:
    """The baseline: every event of the period fetched and counted in Python."""
    start, end = period.utc_bounds
    rows = db.execute(
        "SELECT id, kind, time, channel, user, county, topic, intent, decision, reply_to, internal, detail "
        "FROM events WHERE time >= ? AND time < ?", [start, end]).fetchall()
    by_id = {row[0]: row for row in rows}
    last_rating: dict[int, tuple[int, str]] = {}
    chosen: set[int] = set()
    for event_id, kind, *_, reply_to, _internal, detail in rows:  # ratings and choices first
        if kind == "feedback" and reply_to is not None:
            if event_id > last_rating.get(reply_to, (0, ""))[0]:
                last_rating[reply_to] = (event_id, json.loads(detail)["value"])
        elif kind == "choice" and reply_to is not None:
            chosen.add(reply_to)
    per_day, topics, places, decisions = Counter(), Counter(), Counter(), Counter()
    rated, referrals, weeks, months = Counter(), Counter(), defaultdict(set), defaultdict(set)
    users, resolved = set(), 0
    for event_id, kind, when, channel, user, county, topic, intent, decision, _, internal, detail in rows:
        if internal:
            continue
        day = local_day(when)
        users.add(user)
        weeks[max(week_start(day), period.start)].add(user)
        months[day.strftime("%Y-%m")].add(user)
        if kind == "question":
            per_day[day] += 1
            topics[topic or ""] += 1
            places[(county or "", channel or "")] += 1
            decisions[decision] += 1
            resolved += decision == "clarify" and event_id in chosen
        if decision == "answer" and kind in ("question", "choice") and event_id in last_rating:
            rated[(topic, intent, last_rating[event_id][1])] += 1
        if kind == "referral":
            info = json.loads(detail)
            referrals[(info["station"], info["type"], info["county"], info["topic"])] += 1
    return {"questions": sum(per_day.values()), "topics": dict(topics), "places": dict(places),
            "decisions": dict(decisions), "resolved": resolved,
            "rated": sum(rated.values()), "referrals": sum(referrals.values()), "firms": len(users),
            "weeks": {w: len(u) for w, u in weeks.items()}, "rows": len(by_id)}


def our_figures(data: ReportData) -> dict[str, object]:
    period_row = next(r for r in data.firms if r.period == "period")
    return {"questions": data.questions, "topics": dict(data.questions_by_topic()),
            "places": dict(data.places),
            "decisions": {k: v for k, v in data.decisions.items() if v},
            "resolved": data.resolved, "rated": sum(data.rated.values()),
            "referrals": sum(data.referrals.values()), "firms": period_row.active,
            "weeks": {r.start: r.active for r in data.firms if r.period == "week"}}


def checksum(data: ReportData) -> str:
    """The first 16 hex digits of the SHA-256 of every CSV table of the report, in order."""
    digest = hashlib.sha256()
    for table in tables(data):
        digest.update(csv_bytes(table))
    return digest.hexdigest()[:16]


def timed(action):
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def median_seconds(action, repeat: int, before=lambda: None) -> tuple[float, float]:
    """The median wall-clock and CPU seconds of `repeat` runs of `action`, each after `before` (not timed)."""
    wall, cpu = [], []
    for _ in range(repeat):
        before()
        began_cpu = time.process_time()
        wall.append(timed(action)[1])
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall), statistics.median(cpu)


def covering_pass(db, period: Period) -> int:
    """The floor: one pass over the period's entries of a covering index."""
    sql = "SELECT count(*) FROM events INDEXED BY idx_events_time_user WHERE time >= ? AND time < ?"
    return db.execute(sql, list(period.utc_bounds)).fetchone()[0]


def import_matplotlib() -> None:
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path(__file__).parent / "data" / "report_1m.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 events, one run each (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.events, args.repeat = 20_000, 1
        if args.db == parser.get_default("db"):
            args.db = args.db.with_name("report_quick.db")
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    db = open_db(args.db)
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    if events == 0:
        _, seconds = timed(lambda: seed(db, args.events, END, days=DAYS))
        events = args.events
        print(f"built {args.db} with {events:,} events in {seconds:.1f} s")
    clock = ManualClock(END + timedelta(hours=1))
    today = local_date(clock.now())
    period = Period(today - timedelta(days=DAYS), today - timedelta(days=1))
    settings = load_settings().metrics
    out = Path(tempfile.mkdtemp(prefix="report_1m_"))

    def report(figures_only: bool = False) -> ReportData:
        data = collect(db, period, settings, False, clock.now())
        if not figures_only:
            write_report(data, out, settings.chart_font)
        return data

    _, imports = timed(import_matplotlib)

    def forget_stored_firms() -> None:  # as before the daily job's first run
        db.execute("DELETE FROM active_firms")

    floor = median_seconds(lambda: covering_pass(db, period), args.repeat)
    rows = {
        "figures and gaps (cold)": median_seconds(lambda: report(figures_only=True), args.repeat,
                                                  forget_stored_firms),
        "full report: md, CSV, 4 PNG (cold)": median_seconds(report, args.repeat, forget_stored_firms),
    }
    data = report(figures_only=True)
    run_retention(db, clock, load_settings())  # the daily job: stores finished weeks' and months' firms
    rows["figures and gaps, after the daily job"] = median_seconds(lambda: report(figures_only=True),
                                                                   args.repeat)
    rows["full report (steady state)"] = median_seconds(report, args.repeat)
    last_day = period.end
    rows["/stats, one day"] = median_seconds(lambda: summary(db, last_day, last_day), args.repeat)
    naive = naive_figures(db, period)
    agree = {k: v for k, v in naive.items() if k != "rows"} == our_figures(data)

    print(f"events: {events:,}; period {period.start} to {period.end} ({naive['rows']:,} events in it); "
          f"{len(data.gaps)} gaps; medians of {args.repeat}")
    print("| step | wall s | CPU s | CPU × floor |")
    print("|---|---|---|---|")
    print(f"| importing matplotlib (once per process) | {imports:.2f} | | |")
    print(f"| floor: one covering-index pass over the period | {floor[0]:.3f} | {floor[1]:.3f} | 1 |")
    for label, (wall, cpu) in rows.items():
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {cpu / max(floor[1], 1e-6):.1f} |")
    print(f"figures agree with a per-row Python recount: {'yes' if agree else 'NO'}; checksum of the CSV tables "
          f"{checksum(data)}; report written to {out}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
