#!/usr/bin/env python3
"""The Engine's questions per second on a database file (WAL, synchronous FULL) beside the same on
`:memory:`, with the write transactions and SQL statements each message costs and the fsync floor
(one bare committed insert on the same file).

    python bench/engine_writes.py [--messages 600] [--rounds 3] [--quick]

The messages are the knowledge base's first phrasings, "where do I go" questions (each records its
referrals) and a few off-topic ones, each from its own user; rates are medians of alternating rounds.
Target (issue 16): file ≥ 0.8 × memory, at most one write transaction per handled message.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402
from bot.knowledge.base import KnowledgeBase  # noqa: E402
from bot.storage.events import EventLog  # noqa: E402

WHERE = ("我在邵武，商标去哪办", "建阳专利去哪里申请", "政和的地理标志找谁")
OFF_TOPIC = ("明天天气怎么样", "你好")


def messages(kb: KnowledgeBase, count: int) -> list[str]:
    """First phrasings of every entry, where-questions and off-topic ones, repeated up to `count`."""
    texts = [entry.questions[0] for entry in kb.entries.values()] + list(WHERE) * 10 + list(OFF_TOPIC)
    return list(islice(cycle(texts), count))


class StatementCounter:
    """Counts the SQL statements and the COMMITs a connection runs (sqlite3's trace callback)."""

    def __init__(self) -> None:
        self.statements = 0
        self.commits = 0

    def __call__(self, sql: str) -> None:
        self.statements += 1
        self.commits += sql.lstrip().upper().startswith(("COMMIT", "END"))


def engine_on(kb: KnowledgeBase, path: str) -> Engine:
    db = open_db(path)
    db.execute("PRAGMA synchronous = FULL")
    return Engine(kb, load_settings(), db, SystemClock())


def rate(engine: Engine, texts: list[str], round_number: int) -> float:
    """Messages per second through Engine.handle, each from a user of its own."""
    started = time.perf_counter()
    for number, text in enumerate(texts):
        engine.handle(Message("bench", f"r{round_number}u{number}", text))
    return len(texts) / (time.perf_counter() - started)


def per_message(engine: Engine, texts: list[str]) -> tuple[float, float]:
    """Write transactions and statements per handled message."""
    counter = StatementCounter()
    engine.db.conn.set_trace_callback(counter)
    for number, text in enumerate(texts):
        engine.handle(Message("bench", f"count{number}", text))
    engine.db.conn.set_trace_callback(None)
    return counter.commits / len(texts), counter.statements / len(texts)


def fsync_floor_ms(path: str, commits: int = 200) -> float:
    """Milliseconds of one committed one-row insert on a WAL file with synchronous FULL (median)."""
    db = open_db(path)
    db.execute("PRAGMA synchronous = FULL")
    db.execute("create table if not exists floor (n integer)")
    timings = []
    for number in range(commits):
        started = time.perf_counter()
        with db.atomic():
            db.execute("insert into floor values (?)", [number])
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def pages_per_event(path: str, events: int = 1000, earlier: int = 20_000) -> tuple[float, int, int]:
    """Database pages one committed event writes to the WAL (its row and every index entry it makes: the
    index cost the events table puts on each message, independent of the machine's load), over `events`
    questions, ratings and referrals each committed alone, after `earlier` ones; with the events table's
    indexes and how many of them are partial."""
    db = open_db(path)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    log = EventLog(db, "bench-salt")
    kinds = cycle(["question"] * 8 + ["feedback", "referral"])

    def write(number: int) -> None:
        kind = next(kinds)
        log.record(kind, time=datetime.now(UTC), channel="bench", user=f"u{number % 500}",
                   question=f"问题{number % 700}" if kind == "question" else None, topic="trademark",
                   intent=f"tm_{number % 12}", decision="answer" if kind == "question" else None, county="建阳区",
                   reply_to=number if kind != "question" else None,
                   detail={"value": "up"} if kind == "feedback" else None)

    with db.atomic():
        for number in range(earlier):
            write(number)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for number in range(events):
        write(number)  # a transaction of its own, as a handled message
    frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    sql = "SELECT count(*), sum(sql LIKE '% WHERE %') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
    indexes, partial = db.execute(sql).fetchone()
    return frames / events, indexes, partial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100 messages, one round")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.rounds = 100, 1
    kb = load_knowledge(load_settings().knowledge_dir)
    texts = messages(kb, args.messages)
    with tempfile.TemporaryDirectory() as folder:
        on_file = engine_on(kb, str(Path(folder) / "bench.db"))
        in_memory = engine_on(kb, ":memory:")
        rate(on_file, texts[:50], -1), rate(in_memory, texts[:50], -1)  # warm-up
        memory_rates, file_rates = [], []
        for round_number in range(args.rounds):  # alternating, so a busy machine slows both alike
            memory_rates.append(rate(in_memory, texts, round_number))
            file_rates.append(rate(on_file, texts, round_number))
        commits, statements = per_message(on_file, texts)
        floor = fsync_floor_ms(str(Path(folder) / "floor.db"))
        pages, indexes, partial = pages_per_event(str(Path(folder) / "events.db"))
    memory, on_disk = statistics.median(memory_rates), statistics.median(file_rates)
    print(f"{len(texts)} messages × {args.rounds} rounds, medians; knowledge base: {len(kb.entries)} entries")
    print("| database | questions/s | ms per message | × :memory: |")
    print("|---|---|---|---|")
    print(f"| :memory: (the limit) | {memory:,.0f} | {1000 / memory:.2f} | 1 |")
    print(f"| file, WAL, synchronous FULL | {on_disk:,.0f} | {1000 / on_disk:.2f} | {on_disk / memory:.2f} (target ≥ 0.8) |")
    print()
    print(f"per message: {commits:.2f} write transactions (target ≤ 1), {statements:.1f} SQL statements")
    print(f"fsync floor: one committed insert {floor:.2f} ms; file − memory per message "
          f"{1000 / on_disk - 1000 / memory:.2f} ms")
    print(f"one committed event writes {pages:.1f} pages to the WAL (the events table's {indexes} indexes, "
          f"{partial} of them partial)")


if __name__ == "__main__":
    main()
