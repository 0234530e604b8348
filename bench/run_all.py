#!/usr/bin/env python3
"""Run every benchmark and record its figures, with the command that made them, in docs/benchmarks.md.

    python bench/run_all.py [--quick] [--only report_1m kb_scaling ...] [--out docs/benchmarks.md]

Each benchmark gets one `## ` section (title, command, date and machine load, output); sections this
script does not make (e.g. written by hand or by another script) are kept as they are, in place.
docs/query-plans.md is regenerated too (bench/query_plans.py over the report benchmark's database).
--quick runs each benchmark's smoke path (figures not worth recording: they go to stdout only).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PLANS = ROOT / "docs" / "query-plans.md"
REPORT_DB = "bench/data/report_1m.db"
HEADER = """# Benchmarks

Every figure beside its floor or limit, medians of rounds. Regenerate with `python bench/run_all.py`
(sections below carry the exact command; the machine is shared, so wall-clock figures vary with its
load: the CPU times and the ratios to a floor measured in the same run are the comparable figures).
"""


@dataclass(frozen=True)
class Bench:
    name: str
    title: str
    arguments: tuple[str, ...]
    quick: tuple[str, ...] = ("--quick",)


BENCHES = (
    Bench("report_1m", "Report over 1,000,000 events", ("bench/report_1m.py",)),
    Bench("kb_scaling", "Start-up and knowledge-base scaling", ("bench/kb_scaling.py",)),
    Bench("matching", "Matching one question", ("bench/matching.py",)),
    Bench("normalize_cost", "Normalising one question", ("bench/normalize_cost.py",)),
    Bench("engine_writes", "Engine writes: database file against memory", ("bench/engine_writes.py",)),
    Bench("telegram_throughput", "Telegram adapter throughput", ("bench/telegram_throughput.py",)),
    Bench("tune_matcher", "Matcher tuning (timed)",
          ("bench/tune_matcher.py", "tests/data/dev_questions.yaml", "--trials", "4")),
    Bench("reminders_throughput", "Reminders pipeline throughput", ("bench/reminders_throughput.py",)),
    Bench("reminders_broadcast", "Reminders broadcast under Telegram's limits",
          ("bench/reminders_broadcast.py",)),
    Bench("wecom_callback", "WeCom callback throughput", ("bench/wecom_callback.py",), ("--messages", "100")),
    Bench("kf_throughput", "微信客服 sync loop and reply path throughput", ("bench/kf_throughput.py",)),
)


def run(arguments: list[str]) -> str:
    """The benchmark's output (stdout, then stderr if it failed)."""
    done = subprocess.run([sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        return f"{done.stdout}\nexit status {done.returncode}:\n{done.stderr[-2000:]}"
    return done.stdout


def section(bench: Bench, command: str, output: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    return (f"## {bench.title}\n\nCommand: `{command}` · {now} · {os.cpu_count()} cores, load average "
            f"{load:.1f}\n\n{output.strip()}\n")


def sections(text: str) -> list[tuple[str, str]]:
    """(title, whole section) for each `## ` section of the document, in order."""
    parts = re.split(r"(?m)^(?=## )", text)
    return [(part.splitlines()[0][3:].strip(), part.rstrip() + "\n")
            for part in parts if part.startswith("## ")]


def merged(old: str, made: dict[str, str]) -> str:
    """The document with the sections made here replaced or added, the others kept in place."""
    kept = sections(old)
    titles = {title for title, _ in kept}
    body = [made.get(title, text) for title, text in kept] + [text for title, text in made.items()
                                                               if title not in titles]
    return HEADER + "\n" + "\n".join(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's smoke run; nothing is written")
    parser.add_argument("--only", nargs="*", choices=[b.name for b in BENCHES], help="these benchmarks only")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        arguments = [*bench.arguments, *(bench.quick if args.quick else ())]
        command = "python " + " ".join(arguments)
        print(f"== {command}", flush=True)
        output = run(arguments)
        print(output, flush=True)
        if not args.quick:  # written after each benchmark, so a long run stopped halfway keeps its figures
            made = {bench.title: section(bench, command, output)}
            old = args.out.read_text("utf-8") if args.out.exists() else ""
            args.out.write_text(merged(old, made), "utf-8")
            print(f"written: {args.out}")
        if bench.name == "report_1m" and not args.quick:
            PLANS.write_text(run(["bench/query_plans.py", "--db", REPORT_DB]), "utf-8")
            print(f"written: {PLANS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
