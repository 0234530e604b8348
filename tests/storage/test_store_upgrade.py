"""A database made before the tree was reorganised (tests/data/db_before_rooms.sql, dumped by the code of
2026-12-03) opens with today's code: every migration set and step name is recognised, none re-runs,
and the rows stay."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from migration_steps import applied_steps

from bot.app import open_db

DUMP = Path(__file__).resolve().parents[1] / "data" / "db_before_rooms.sql"


def test_an_old_database_upgrades_without_rerunning_a_step(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as con:
        con.executescript(DUMP.read_text(encoding="utf-8"))
    before = applied_steps(path)

    db = open_db(path)

    after = applied_steps(path)
    assert {key: after[key] for key in before} == before  # no step ran again
    assert set(after) == set(_applied_fresh(tmp_path))  # names and sets match a new database
    assert [row["question"] for row in db.query("select question from events")] == ["商标注册要多久"]


def _applied_fresh(tmp_path: Path) -> dict[tuple[str, str], str]:
    open_db(tmp_path / "fresh.db")
    return applied_steps(tmp_path / "fresh.db")
