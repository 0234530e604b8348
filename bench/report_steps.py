#!/usr/bin/env python3
"""CPU seconds of each step of the cold 1 M-event report, to compare two trees step by step.

    python bench/report_steps.py [--db bench/data/report_1m.db] [--root TREE] [--repeat 3]

Imports the bot from --root (default: this tree), so the code before a change (`git archive COMMIT | tar
-x -C /tmp/before`) and after it can be run alternately over the same database (bench/report_1m.py
builds it); each step is timed with the process's CPU clock, the median of --repeat runs, after one
untimed report (caches warm, stored active firms deleted: the cold report). On a shared machine the
spread between two runs of the same tree is the noise: compare only differences beyond it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=HERE / "bench" / "data" / "report_1m.db")
    parser.add_argument("--root", type=Path, default=HERE, help="the tree whose bot/ is timed")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    from bench.report_1m import DAYS, END
    from bot.app import open_db
    from bot.common.clock import ManualClock, local_date
    from bot.common.config import load_settings
    from bot.metrics import queries, report

    db = open_db(args.db)
    now = ManualClock(END + timedelta(hours=1)).now()
    today = local_date(now)
    period = queries.Period(today - timedelta(days=DAYS), today - timedelta(days=1))
    settings = load_settings().metrics
    font = report.find_cjk_font(settings.chart_font)
    out = Path(tempfile.mkdtemp(prefix="report_steps_"))
    db.execute("DELETE FROM active_firms")
    data = report.collect(db, period, settings, False, now)
    report.charts(data, font)
    steps = {
        "questions per day": lambda: queries.questions_per_day(db, period),
        "question mix": lambda: queries.question_mix(db, period),
        "places": lambda: queries.question_places(db, period),
        "ratings": lambda: queries.ratings(db, period),
        "clarifications resolved": lambda: queries.clarifications_resolved(db, period),
        "referrals": lambda: queries.referrals(db, period),
        "active firms": lambda: queries.firms_table(db, period),
        "gaps (ratings included)": lambda: queries.knowledge_gaps(db, period.start, period.end, settings.gap_limit,
                                                                  settings.gap_similarity),
        "all figures (collect)": lambda: report.collect(db, period, settings, False, now),
        "4 charts": lambda: report.charts(data, font),
        "CSV + xlsx": lambda: report.write_tables(report.tables(data), out, report.WORKBOOK),
        "full report": lambda: report.write_report(report.collect(db, period, settings, False, now), out,
                                                   settings.chart_font),
    }
    print(f"tree {args.root.resolve()} · {args.db} · CPU s, medians of {args.repeat}")
    print("| step | CPU s |\n|---|---|")
    for name, step in steps.items():
        print(f"| {name} | {median_cpu(step, args.repeat):.3f} |")
    return 0


def median_cpu(step, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        began = time.process_time()
        step()
        seconds.append(time.process_time() - began)
    return statistics.median(seconds)


if __name__ == "__main__":
    sys.exit(main())
