"""Inserting a row and getting its id back, typed (sqlite-utils types `last_pk` as optional)."""
from __future__ import annotations

from typing import Any

from sqlite_utils.db import Table


def insert_row(table: Table, row: dict[str, Any]) -> int:
    """Insert `row` into a table with an integer primary key and return that key."""
    key = table.insert(row).last_pk
    assert isinstance(key, int), f"{table.name}: an insert gave no integer key ({key!r})"
    return key
