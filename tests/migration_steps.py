"""The migration steps a database file has applied, for the upgrade tests."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def applied_steps(path: Path) -> dict[tuple[str, str], str]:
    """(migration set, step name) → when it was applied."""
    with sqlite3.connect(path) as con:
        return {(row[0], row[1]): row[2]
                for row in con.execute("select migration_set, name, applied_at from _sqlite_migrations")}
