"""The report's range indexes: an old database gets them on upgrade, with the same figures, and /stats
over one day searches the time range instead of walking every event of a kind (no timing here: the
figures are in docs/query-plans.md and bench/)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from metrics_seed import PERIOD, seed_events, seed_other_tables

from bot.app import ALL_MIGRATIONS, open_db
from bot.common.config import MetricsSettings
from bot.metrics import queries as metrics
from bot.metrics.queries import Period, question_places, summary
from bot.metrics.report import collect
from bot.storage import store
from bot.storage.store import Store

NEW_MIGRATION = "004_report_range_indexes"  # and every later one
GENERATED = datetime(2026, 11, 25, tzinfo=UTC)


def old_database(path: Path) -> Store:
    """A database as it was before the range indexes: every migration but the new one applied."""
    db = Store(str(path))
    for migration_set in ALL_MIGRATIONS:
        migration_set.apply(db, stop_before=NEW_MIGRATION if migration_set is metrics.migrations else None)
    return db


def index_columns(db: Store) -> dict[str, list[str]]:
    return {index.name: index.columns for index in db["events"].indexes}


def figures(db: Store) -> tuple:
    data = collect(db, Period(*PERIOD), MetricsSettings(), False, GENERATED)
    return (data.per_day, data.mix, data.places, data.rated, data.resolved, data.referrals, data.firms,
            [(g.example, g.count, g.variants) for g in data.gaps])


def test_an_upgraded_database_gets_the_range_indexes_and_a_new_ones_figures(tmp_path: Path) -> None:
    old = old_database(tmp_path / "old.db")
    assert "idx_events_user_time" not in index_columns(old)
    seed_events(old)
    seed_other_tables(old)
    old.conn.close()
    fresh = open_db(tmp_path / "fresh.db")
    seed_events(fresh)
    seed_other_tables(fresh)

    upgraded = open_db(tmp_path / "old.db")
    columns = index_columns(upgraded)
    assert columns["idx_events_place"] == ["county", "channel", "kind", "time", "internal"]
    assert columns["idx_events_kind_time_internal"] == ["kind", "time", "internal", "decision", "reply_to", "rating"]
    assert columns["idx_events_reply_to"] == ["reply_to", "kind", "time", "rating"]
    assert columns["idx_events_user_time"] == ["user", "time", "internal"]
    assert columns["idx_events_question"] == ["decision", "question", "time", "internal", "kind"]
    assert not {"idx_events_time", "idx_events_kind_time", "idx_events_user", "idx_events_gap"} & set(columns)
    assert figures(upgraded) == figures(fresh)


def plans_of(db: Store, action) -> dict[str, str]:
    """Each SELECT `action` runs against events, with its plan on one line."""
    traced: list[str] = []
    db.conn.set_trace_callback(traced.append)
    try:
        action()
    finally:
        db.conn.set_trace_callback(None)
    return {sql: " / ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql))
            for sql in traced if sql.lstrip().upper().startswith(("SELECT", "WITH")) and " events " in sql}


def test_one_day_of_stats_searches_the_time_range(tmp_path: Path) -> None:
    db = open_db(tmp_path / "bot.db")
    seed_events(db)
    day = date(2026, 11, 10)
    plans = plans_of(db, lambda: (summary(db, day, day), question_places(db, Period(day, day))))
    assert plans
    for sql, plan in plans.items():
        assert "time>?" in plan, (sql, plan)
    mix_and_places = [plan for sql, plan in plans.items()
                      if "idx_events_mix" in sql or "idx_events_place" in sql]
    assert len(mix_and_places) == 2
    assert all("TEMP B-TREE" not in plan and "COVERING INDEX" in plan for plan in mix_and_places)


def test_an_upgraded_database_gets_its_ratings_in_a_column(tmp_path: Path) -> None:
    """Ratings written before the `rating` column (only in `detail`) are moved into it on upgrade, and the
    report counts the same as on a database that had it from the start."""
    fresh = open_db(tmp_path / "fresh.db")
    seed_events(fresh)
    old = Store(str(tmp_path / "old.db"))
    stops = {store.migrations: "003_event_rating", metrics.migrations: NEW_MIGRATION}
    for migration_set in ALL_MIGRATIONS:
        migration_set.apply(old, stop_before=stops.get(migration_set))
    assert "rating" not in old["events"].columns_dict
    columns = old["events"].columns_dict  # the columns of that time (no rating, no later ones either)
    old["events"].insert_all({k: v for k, v in row.items() if k in columns} for row in fresh["events"].rows)
    old.conn.close()

    upgraded = open_db(tmp_path / "old.db")
    sql = "SELECT id, rating FROM events WHERE kind = 'feedback' ORDER BY id"
    assert upgraded.execute(sql).fetchall() == fresh.execute(sql).fetchall()
    assert all(rating in ("up", "down") for _, rating in upgraded.execute(sql))
    assert figures(upgraded) == figures(fresh)
