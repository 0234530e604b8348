"""Writers on one database file: every write lands, none fails with "database is locked"."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.concurrent_writers import Run, run_all, texts
from bot.app import open_db
from bot.common.config import Settings
from bot.storage.events import EventLog

WRITES_PER_WRITER = 300


def _write_events(path: Path, writer: str, errors: list[BaseException]) -> None:
    """Read-then-write transactions, the shape the ticket desk and the outbox use."""
    db = open_db(path)
    log = EventLog(db, "salt")
    try:
        for n in range(WRITES_PER_WRITER):
            with db.atomic():
                next(db.query("select count(*) from events where channel = ?", [writer]))
                log.record("question", time=datetime.now(UTC), channel=writer, user="u", question=str(n))
    except BaseException as exc:
        errors.append(exc)
    finally:
        db.close()


def test_two_writer_threads_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    open_db(path).close()
    errors: list[BaseException] = []
    writers = [threading.Thread(target=_write_events, args=(path, name, errors)) for name in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert [str(e) for e in errors] == []
    counts = dict(open_db(path).execute("select channel, count(*) from events group by channel").fetchall())
    assert counts == {"a": WRITES_PER_WRITER, "b": WRITES_PER_WRITER}


STRESS_SECONDS = 1.0  # a store without its busy timeout fails every run this long (docs/speed.md)


def assert_nothing_lost(run: Run) -> None:
    """Every process sent messages for the whole run, and each one left its event, with no error."""
    rows = run_all(run)
    assert [(o.channel, o.errors) for o, _ in rows] == [(o.channel, {}) for o, _ in rows]
    assert [written for _, written in rows] == [o.sent for o, _ in rows]
    assert all(o.seconds >= run.seconds and o.sent > 0 for o, _ in rows)


@pytest.mark.slow
def test_two_writer_processes_and_ask_lose_nothing(settings: Settings, tmp_path: Path) -> None:
    """The Engine (with the ticket desk) in two processes and `run_bot.py ask -`, all at full speed
    on one database file (bench/concurrent_writers.py runs it longer, beside the baseline)."""
    assert_nothing_lost(Run(tmp_path / "config.yaml", texts(settings.knowledge_dir), seconds=STRESS_SECONDS,
                            rate=0.0, deferred=False, synchronous="full"))
