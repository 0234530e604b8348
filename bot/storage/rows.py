"""Inserting a row and getting its id back, typed (sqlite-utils types `last_pk` as optional); reading one row
as one statement."""
from __future__ import annotations

from typing import Any, Sequence

from sqlite_utils.db import Database, Table


def insert_row(table: Table, row: dict[str, Any]) -> int:
    """Insert `row` into a table with an integer primary key and return that key."""
    key = table.insert(row).last_pk
    assert isinstance(key, int), f"{table.name}: an insert gave no integer key ({key!r})"
    return key


def first_row(db: Database, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
    """The first row of a select as a dict (None if none): one statement, where sqlite-utils' `query` wraps
    each select in a savepoint (three statements), which a message's hot path cannot afford."""
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip((column[0] for column in cursor.description), row))
