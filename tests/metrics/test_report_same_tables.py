"""The report's tables do not move when the report gets faster: every CSV table of the seeded reference
database (tests/metrics/test_report_reference.py), for each of its periods with and without internal
traffic, equals the tables the code of 2026-12-04 (main a10bf05) wrote (tests/data/report_tables_reference.json).
The same holds for a database that code made (tests/data/db_before_referral_columns.sql.gz, the same
events dumped with sqlite3's iterdump) once today's code has upgraded it.

Both files were made by that commit's code: open_db, seed_random, then `tables(collect(...))` per period
and `iterdump()`; they change only when a figure is meant to change.
"""
from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from migration_steps import applied_steps
from test_report_reference import GENERATED, PERIODS, seed_random

from bot.app import open_db
from bot.common.config import MetricsSettings
from bot.metrics.queries import Period
from bot.metrics.report import collect, tables
from bot.storage.store import Store

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = json.loads((DATA / "report_tables_reference.json").read_text(encoding="utf-8"))
OLD_DATABASE = DATA / "db_before_referral_columns.sql.gz"


def report_tables(db: Store, period: Period, include_internal: bool) -> dict[str, list[list[object]]]:
    data = collect(db, period, MetricsSettings(), include_internal, GENERATED)
    return {table.name: [list(table.columns), *map(list, table.rows)] for table in tables(data)}


def reference_key(period: Period, include_internal: bool) -> str:
    return f"{period.start}..{period.end} internal={int(include_internal)}"


def assert_same_tables(db: Store) -> None:
    for period in PERIODS:
        for include_internal in (False, True):
            expected = REFERENCE[reference_key(period, include_internal)]
            assert report_tables(db, period, include_internal) == expected, (period, include_internal)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    db = open_db(tmp_path_factory.mktemp("same") / "bot.db")
    seed_random(db)
    return db


def test_the_seeded_database_gives_the_tables_it_gave_before(seeded: Store) -> None:
    assert set(REFERENCE) == {reference_key(p, i) for p in PERIODS for i in (False, True)}
    assert_same_tables(seeded)


def test_a_database_made_before_gives_the_same_tables_once_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as con:
        con.executescript(gzip.decompress(OLD_DATABASE.read_bytes()).decode("utf-8"))
    before = applied_steps(path)

    db = open_db(path)

    after = applied_steps(path)
    assert {key: after[key] for key in before} == before  # no step ran again
    assert_same_tables(db)
