"""Metrics subcommands: report (Markdown, CSV, PNG for a period) and retention (the daily job, once)."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.common.config import Settings


def parse_day(flag: str, value: str) -> date:
    """A YYYY-MM-DD date, or a ValueError whose message is the one-line error."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"report: {flag} {value!r} is not a date (YYYY-MM-DD)") from None


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the bureau's report for a period: report.md, CSV tables and PNG charts."""
    from bot.common.clock import SystemClock
    from bot.metrics.queries import Period
    from bot.metrics.report import collect, write_report
    from cli.database import open_existing_database

    try:
        start, end = parse_day("--from", args.start), parse_day("--to", args.end)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if start > end:
        print(f"report: --from {start} is after --to {end}", file=sys.stderr)
        return 2
    metrics = settings.metrics
    db = open_existing_database(settings, "report")
    data = collect(db, Period(start, end), metrics, args.include_internal, SystemClock().now())
    out = Path(args.out or f"reports/{start}_{end}")
    try:
        written = write_report(data, out, metrics.chart_font)
    except OSError as exc:
        print(f"report: cannot write the report to {out}: {exc.strerror or exc} (choose another --out)",
              file=sys.stderr)
        return 2
    print(f"report: {written.files[0]} and {len(written.files) - 1} tables/charts in {out}")
    if written.chart_error:
        print(f"report: charts not drawn: {written.chart_error}", file=sys.stderr)
        return 1
    return 0


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    """Run the daily privacy job once: roll events past the retention into daily aggregates, delete them."""
    from bot.common.clock import SystemClock
    from bot.metrics.retention import run_retention
    from cli.database import open_existing_database

    print(run_retention(open_existing_database(settings, "retention"), SystemClock(), settings).describe())
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the metrics subcommands."""
    report = commands.add_parser("report", help=cmd_report.__doc__)
    report.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day, included")
    report.add_argument("--out", metavar="DIR", help="output folder (default: reports/FROM_TO)")
    report.add_argument("--include-internal", action="store_true",
                        help="count specialists and the cli/test channels too")
    report.set_defaults(run=cmd_report)

    retention = commands.add_parser("retention", help=cmd_retention.__doc__)
    retention.set_defaults(run=cmd_retention)
