"""Storage: migrations, WAL, the database path override, the salt."""
from __future__ import annotations

from pathlib import Path

from bot.config import load_settings
from bot.store import MIGRATION_SETS, open_db, salt


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    open_db(path)
    db = open_db(path)
    applied = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert len(applied) == len(set(applied)) == sum(len(m._migrations) for m in MIGRATION_SETS)
    assert {"events", "meta", "tickets", "ticket_messages", "ticket_notices"} <= set(db.table_names())
    assert "pending_questions" not in db.table_names()


def test_wal_and_busy_timeout(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_events_table_has_indexes(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    assert {tuple(i.columns) for i in db["events"].indexes} >= {("time",), ("kind", "time"), ("user",)}


def test_db_path_from_environment_overrides_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("db_path: data/a.db\n", encoding="utf-8")
    assert load_settings(config, environ={}).db_path == tmp_path / "data" / "a.db"
    assert load_settings(config, environ={"BOT_DB_PATH": str(tmp_path / "b.db")}).db_path == tmp_path / "b.db"


def test_salt_generated_once_and_kept(tmp_path: Path) -> None:
    first = salt(open_db(tmp_path / "bot.db"), environ={})
    assert len(first) == 32
    assert salt(open_db(tmp_path / "bot.db"), environ={}) == first
    assert salt(open_db(tmp_path / "bot.db"), environ={"BOT_SALT": "from-env"}) == "from-env"


def test_write_transactions_take_the_write_lock_first(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    with db.atomic():
        with db.atomic():
            db.execute("insert into meta (key, value) values ('a', '1')")
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert any(s.startswith("SAVEPOINT") for s in statements)


def test_a_failed_write_transaction_rolls_back(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    try:
        with db.atomic():
            db.execute("insert into meta (key, value) values ('a', '1')")
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert not db.conn.in_transaction
    assert db["meta"].count == 0
