#!/usr/bin/env python3
"""Two writer processes plus `run_bot.py ask -` on one database file: how many events are lost.

    python bench/concurrent_writers.py [--seconds 20] [--rate 50] [--knowledge DIR] [--synchronous normal]

Each writer process runs the Engine (with the ticket desk, so 转人工 opens tickets) at `--rate`
messages a second (0: full speed); `ask -` answers lines fed at the same rate, one at a time. Every
message should leave one event. The run is made twice: with the store's BEGIN IMMEDIATE write
transactions and with sqlite-utils' deferred BEGIN (the baseline), printing written/sent and lost for both.
tests/storage/test_concurrent_writes.py runs the same workload for 1 s at full speed.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import IO, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import open_db  # noqa: E402
from bot.common.config import load_settings  # noqa: E402

WRITERS = ("writer-a", "writer-b")
ASK_CHANNEL = "cli"
HANDOFF_EVERY = 10  # one message in ten asks for a person (a ticket and its notices)
OFF_TOPIC = ("明天天气怎么样", "你好")


@dataclass(frozen=True)
class Outcome:
    """One process's messages sent, over how many seconds, and the errors it saw (error text → count)."""

    channel: str
    sent: int
    seconds: float
    errors: dict[str, int]


def configure(deferred: bool, synchronous: str) -> None:
    """Set this process's store up for the run: the baseline's deferred BEGIN instead of BEGIN IMMEDIATE
    (sqlite-utils' own atomic()), and SQLite's `synchronous` setting on every connection."""
    from sqlite_utils import Database

    from bot.storage.store import Store

    logging.disable(logging.WARNING)  # "no specialist to offer it to", once per ticket: not the point here
    if deferred:
        Store.atomic = Database.atomic  # type: ignore[method-assign]
    opened = Store.__init__

    def init(self: Store, *args: object, **kwargs: object) -> None:
        opened(self, *args, **kwargs)
        self.execute(f"PRAGMA synchronous = {synchronous}")

    Store.__init__ = init  # type: ignore[method-assign]


def write_config(directory: Path, knowledge: Path) -> Path:
    """A config.yaml whose database lives in `directory` and whose knowledge is `knowledge`."""
    config = directory / "config.yaml"
    config.write_text(f"db_path: {directory / 'bot.db'}\nknowledge_dir: {knowledge}\n", encoding="utf-8")
    return config


def texts(knowledge: Path) -> tuple[str, ...]:
    """The knowledge base's first phrasings, a few off-topic questions, and handoffs among them."""
    from bot.app import load_knowledge

    questions = [entry.questions[0] for entry in load_knowledge(knowledge).entries.values()] + list(OFF_TOPIC)
    return tuple(f"转人工 {q}" if n % HANDOFF_EVERY == 0 else q for n, q in enumerate(questions, start=1))


def paced(seconds: float, rate: float) -> Iterator[int]:
    """Message numbers 0, 1, … for `seconds`, at `rate` a second (0: as fast as the consumer goes)."""
    started, number = time.monotonic(), 0
    while (elapsed := time.monotonic() - started) < seconds:
        if rate and number > elapsed * rate:
            time.sleep(number / rate - elapsed)
        yield number
        number += 1


@dataclass(frozen=True)
class Run:
    """What every process of one run shares."""

    config: Path
    questions: tuple[str, ...]
    seconds: float
    rate: float
    deferred: bool
    synchronous: str


def run_writer(run: Run, channel: str, ready: Barrier, results: Queue) -> None:
    """One writer process: the Engine with the ticket desk, answering messages until time is up."""
    configure(run.deferred, run.synchronous)
    from bot.answering.ports import Message
    from bot.app import create_engine
    from bot.common.clock import SystemClock
    from bot.handoff.desk import attach_desk

    settings = load_settings(run.config, environ={})
    engine = create_engine(settings)
    attach_desk(engine, settings, SystemClock())
    questions, errors, sent = run.questions, Counter(), 0
    ready.wait()
    started = time.monotonic()
    for number in paced(run.seconds, run.rate):
        sent += 1
        try:
            engine.handle(Message(channel, f"{channel}-{number % 500}", questions[number % len(questions)]))
        except Exception as exc:
            errors[f"{type(exc).__name__}: {exc}"] += 1
    results.put(Outcome(channel, sent, time.monotonic() - started, dict(errors)))


def start_ask(run: Run, stderr: IO[str]) -> subprocess.Popen:
    """`run_bot.py ask - --json` (through this script's --ask entry), once it has answered a first line."""
    command = [sys.executable, str(Path(__file__).resolve()), "--ask", str(run.config),
               "--synchronous", run.synchronous] + ["--deferred"] * run.deferred
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                               text=True, encoding="utf-8", cwd=ROOT)
    ask_one(process, "你好")
    return process


def ask_one(process: subprocess.Popen, question: str) -> None:
    """One line in, one reply (or error object) out: `ask -` never has a backlog."""
    process.stdin.write(question + "\n")
    process.stdin.flush()
    process.stdout.readline()


def finish_ask(process: subprocess.Popen, stderr: IO[str], run: Run) -> Outcome:
    """Feed the started `ask -` for the run's time, then close its input and collect its failed lines."""
    questions, sent, started = run.questions, 1, time.monotonic()
    for number in paced(run.seconds, run.rate):
        ask_one(process, questions[number % len(questions)])
        sent += 1
    seconds = time.monotonic() - started
    process.communicate()  # closes its input, so it ends
    stderr.seek(0)
    errors = Counter(line.split(" failed: ", 1)[-1] for line in stderr.read().splitlines() if " failed: " in line)
    return Outcome(ASK_CHANNEL, sent, seconds, dict(errors))


def run_all(run: Run) -> list[tuple[Outcome, int]]:
    """Both writers and `ask -` at once on a fresh database: each (outcome, events written)."""
    db_path = load_settings(run.config, environ={}).db_path
    open_db(db_path).close()
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(len(WRITERS) + 1), context.Queue()
    writers = [context.Process(target=run_writer, args=(run, channel, ready, results)) for channel in WRITERS]
    for writer in writers:
        writer.start()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        ask = start_ask(run, stderr)
        ready.wait()
        outcomes = [finish_ask(ask, stderr, run)] + [results.get() for _ in writers]
    for writer in writers:
        writer.join()
    db = open_db(db_path)
    written = dict(db.execute(
        "select channel, count(*) from events where kind != 'referral' group by channel").fetchall())
    db.close()
    return [(outcome, written.get(outcome.channel, 0)) for outcome in outcomes]


def ask_entry(config: str, deferred: bool, synchronous: str) -> int:
    """`run_bot.py --config CONFIG ask - --json`, with this run's store settings."""
    configure(deferred, synchronous)
    from run_bot import main

    return main(["--config", config, "ask", "-", "--json"])


def print_run(label: str, rows: list[tuple[Outcome, int]]) -> None:
    sent = sum(o.sent for o, _ in rows)
    written = sum(w for _, w in rows)
    locked = sum(n for o, _ in rows for e, n in o.errors.items() if "database is locked" in e)
    print(f"{label:<26} written {written:>6} / sent {sent:>6}   lost {sent - written:>5}   "
          f"'database is locked' {locked:>5}")
    for outcome, count in rows:
        rate = outcome.sent / outcome.seconds
        print(f"  {outcome.channel:<10} {rate:6.1f} msg/s   written {count:>6} / {outcome.sent:<6}"
              f" lost {outcome.sent - count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="messages a second per process (0: full speed)")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full",
                        help="SQLite's PRAGMA synchronous on every connection (the bot leaves it at full)")
    parser.add_argument("--ask", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--deferred", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask:
        sys.exit(ask_entry(args.ask, args.deferred, args.synchronous))
    print(f"2 writer processes + ask -, {args.seconds:.0f} s at {args.rate or 'full speed'} msg/s each,"
          f" synchronous={args.synchronous}")
    questions = texts(args.knowledge)
    for label, deferred in (("BEGIN IMMEDIATE (store)", False), ("deferred BEGIN (baseline)", True)):
        with tempfile.TemporaryDirectory() as directory:
            config = write_config(Path(directory), args.knowledge)
            run = Run(config, questions, args.seconds, args.rate, deferred, args.synchronous)
            print_run(label, run_all(run))

if __name__ == "__main__":
    main()
