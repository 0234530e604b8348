"""Counting what a connection runs (sqlite3's trace callback): transactions and statements."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlite_utils import Database


class SqlTrace:
    """The statements a connection ran, with its BEGINs and COMMITs counted."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str) -> None:
        self.statements.append(sql.strip())

    def _starting(self, word: str) -> int:
        return sum(statement.upper().startswith(word) for statement in self.statements)

    @property
    def begins(self) -> int:
        return self._starting("BEGIN")

    @property
    def commits(self) -> int:
        return self._starting("COMMIT")

    def mentioning(self, words: str) -> list[str]:
        """The statements containing `words` (any case, names quoted or not)."""
        return [statement for statement in self.statements
                if words.lower() in statement.lower().replace('"', "")]


@contextmanager
def traced(db: Database) -> Iterator[SqlTrace]:
    """Trace `db`'s connection for the block."""
    trace = SqlTrace()
    db.conn.set_trace_callback(trace)
    try:
        yield trace
    finally:
        db.conn.set_trace_callback(None)
