"""Storage: migrations, WAL, the database path override, the salt."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import ALL_MIGRATIONS, open_db
from bot.common.config import ConfigError, load_settings
from bot.storage.events import EventLog, Salts, salt_id
from bot.storage.store import require_salt, salts


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    open_db(path)
    db = open_db(path)
    applied = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert len(applied) == len(set(applied)) == sum(len(m._migrations) for m in ALL_MIGRATIONS)
    assert {"events", "meta", "tickets", "ticket_messages", "ticket_notices"} <= set(db.table_names())
    assert "pending_questions" not in db.table_names()


def test_the_fresh_db_fixture_is_the_database_open_db_makes(fresh_db) -> None:
    """tests/conftest.py copies a migrated database for each test instead of migrating each time."""
    made = open_db(":memory:")
    schema = "select type, name, sql from sqlite_master order by type, name"
    assert fresh_db.execute(schema).fetchall() == made.execute(schema).fetchall()
    assert [r["name"] for r in fresh_db["_sqlite_migrations"].rows] == [r["name"] for r in made["_sqlite_migrations"].rows]
    assert fresh_db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert fresh_db.execute("select count(*) from events").fetchone()[0] == 0


def test_a_new_database_file_of_the_other_tests_is_the_one_open_db_makes(migrated_file: Path, tmp_path: Path) -> None:
    """Outside tests/storage, tests/conftest.py starts a new database file from a copy of `migrated_file`."""
    made, copy = open_db(tmp_path / "made.db"), tmp_path / "copy.db"
    copy.write_bytes(migrated_file.read_bytes())
    copied = open_db(copy)
    schema = "select type, name, sql from sqlite_master order by type, name"
    assert copied.execute(schema).fetchall() == made.execute(schema).fetchall()
    names = "select migration_set, name from _sqlite_migrations order by id"
    assert copied.execute(names).fetchall() == made.execute(names).fetchall()  # none applied twice
    assert copied.journal_mode == "wal" and not migrated_file.with_name("bot.db-wal").exists()
    assert copied.execute("select count(*) from events").fetchone()[0] == 0


def test_wal_and_busy_timeout(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_events_table_has_indexes(tmp_path: Path) -> None:
    """Events are searched by time, by kind and time, and by user: a full index leads with each."""
    db = open_db(tmp_path / "bot.db")
    leading = {tuple(i.columns[:n]) for i in db["events"].indexes if not i.partial for n in (1, 2)}
    assert leading >= {("time",), ("kind", "time"), ("user",)}


def test_db_path_from_environment_overrides_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("db_path: data/a.db\n", encoding="utf-8")
    assert load_settings(config, environ={}).db_path == tmp_path / "data" / "a.db"
    assert load_settings(config, environ={"BOT_DB_PATH": str(tmp_path / "b.db")}).db_path == tmp_path / "b.db"


def test_salt_generated_once_and_kept_without_bot_salt(tmp_path: Path, caplog) -> None:
    first = salts(open_db(tmp_path / "bot.db"), environ={})
    assert len(first.secrets) == 1 and len(first.secrets[0]) == 32
    assert "BOT_SALT is not set" in caplog.text
    assert salts(open_db(tmp_path / "bot.db"), environ={}) == first


def test_bot_salt_comes_first_and_earlier_salts_are_kept(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    assert salts(db, environ={"BOT_SALT": "new, old"}).secrets == ("new", "old")
    generated = salts(db, environ={}).secrets[0]  # a console run before BOT_SALT was set
    assert salts(db, environ={"BOT_SALT": "new,old"}).secrets == ("new", "old", generated)


def test_pseudonyms_carry_their_salt_id(tmp_path: Path) -> None:
    log = EventLog(open_db(tmp_path / "bot.db"), Salts(("new", "old")))
    current, earlier = log.every_user("telegram", "1001")
    assert log.user("telegram", "1001") == current != earlier
    assert current.split(".")[0] == salt_id("new") and earlier.split(".")[0] == salt_id("old")
    assert "1001" not in current + earlier


@pytest.mark.parametrize("environ", [{}, {"BOT_SALT": " "}])
def test_firm_facing_channels_refuse_to_start_without_bot_salt(environ: dict) -> None:
    with pytest.raises(ConfigError, match="BOT_SALT is not set"):
        require_salt(environ)
    require_salt({"BOT_SALT": "s"})


def test_the_firm_tables_key_is_not_the_events_pseudonym(tmp_path: Path) -> None:
    log = EventLog(open_db(tmp_path / "bot.db"), Salts(("new", "old")))
    assert log.firm("wecom", "firm_a") != log.user("wecom", "firm_a")
    assert log.every_firm("wecom", "firm_a")[0] == log.firm("wecom", "firm_a")
    assert not set(log.every_firm("wecom", "firm_a")) & set(log.every_user("wecom", "firm_a"))
