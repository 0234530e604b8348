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

    def transactions(self) -> list[list[str]]:
        """The statements of each BEGIN … COMMIT, in order."""
        spans: list[list[str]] = []
        current: list[str] | None = None
        for statement in self.statements:
            word = statement.upper()
            if word.startswith("BEGIN"):
                current = []
            elif word.startswith("COMMIT") and current is not None:
                spans.append(current)
                current = None
            elif current is not None:
                current.append(statement)
        return spans

    def writing(self, words: str) -> list[list[str]]:
        """The transactions with a statement containing `words` (as `mentioning`)."""
        return [span for span in self.transactions() if _mentions(span, words)]

    def mentioning(self, words: str) -> list[str]:
        """The statements containing `words` (any case, names quoted or not)."""
        return _mentions(self.statements, words)


def _mentions(statements: list[str], words: str) -> list[str]:
    return [statement for statement in statements if words.lower() in statement.lower().replace('"', "")]


@contextmanager
def traced(db: Database) -> Iterator[SqlTrace]:
    """Trace `db`'s connection for the block."""
    trace = SqlTrace()
    db.conn.set_trace_callback(trace)
    try:
        yield trace
    finally:
        db.conn.set_trace_callback(None)
