#!/usr/bin/env python3
"""Time the bureau's report over 1,000,000 events, beside a naive per-row Python aggregation.

    python bench/report_1m.py [--events N] [--db PATH] [--rebuild]

The database is built once with the production schema, migrations and indexes (bot.store.open_db) under
bench/data/ (git-ignored) and reused. Printed: the time to count every figure and to write the whole
report (Markdown, CSV, four PNG charts), first before the daily job has stored any week's or month's
active firms, then after it (the steady state in production); the baseline counts the same figures
row by row in Python and must agree with them. Each row is the median of --repeat runs; importing
matplotlib, once per process, is timed on its own.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed_events import seed  # noqa: E402
from bot.clock import ManualClock, local_date  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.metrics import Period, local_day, metrics_settings, week_start  # noqa: E402
from bot.report import ReportData, collect, write_report  # noqa: E402
from bot.retention import run_retention  # noqa: E402
from bot.store import open_db  # noqa: E402

END = datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc)  # 2026-11-26 00:00 in Shanghai
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


def timed(action):
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def median_seconds(action, repeat: int, before=lambda: None) -> float:
    """The median time of `repeat` runs of `action`, each after `before` (not timed)."""
    seconds = []
    for _ in range(repeat):
        before()
        seconds.append(timed(action)[1])
    return statistics.median(seconds)


def import_matplotlib() -> None:
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path(__file__).parent / "data" / "report_1m.db")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
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
    settings = metrics_settings(load_settings())
    out = Path(tempfile.mkdtemp(prefix="report_1m_"))

    def report(figures_only: bool = False) -> ReportData:
        data = collect(db, period, settings, False, clock.now())
        if not figures_only:
            write_report(data, out, settings.chart_font)
        return data

    _, imports = timed(import_matplotlib)

    def forget_stored_firms() -> None:  # as before the daily job's first run
        db.execute("DELETE FROM active_firms")

    cold = median_seconds(report, args.repeat, forget_stored_firms)
    cold_figures = median_seconds(lambda: report(figures_only=True), args.repeat, forget_stored_firms)
    data = report(figures_only=True)
    run_retention(db, clock, load_settings())  # the daily job: stores finished weeks' and months' firms
    warm = median_seconds(report, args.repeat)
    warm_figures = median_seconds(lambda: report(figures_only=True), args.repeat)
    naive = naive_figures(db, period)
    baseline = median_seconds(lambda: naive_figures(db, period), args.repeat)
    agree = {k: v for k, v in naive.items() if k != "rows"} == our_figures(data)

    print(f"events: {events:,}; period {period.start} to {period.end} ({naive['rows']:,} events in it); "
          f"{len(data.gaps)} gaps")
    print(f"{'':48} {'seconds':>8}  (median of {args.repeat})")
    print(f"{'importing matplotlib (once per process)':48} {imports:8.2f}")
    print(f"{'baseline: naive per-row Python aggregation':48} {baseline:8.2f}")
    print(f"{'figures and gaps, SQL + covering indexes (cold)':48} {cold_figures:8.2f}")
    print(f"{'figures and gaps, after the daily job':48} {warm_figures:8.2f}")
    print(f"{'full report: md, CSV, 4 PNG (cold)':48} {cold:8.2f}")
    print(f"{'full report: md, CSV, 4 PNG (steady state)':48} {warm:8.2f}")
    print(f"figures agree with the baseline: {'yes' if agree else 'NO'}; report written to {out}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
