"""SQLite storage through sqlite-utils: WAL, busy timeout, write transactions that take the write lock
first (BEGIN IMMEDIATE), idempotent named migrations, the salt."""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

BUSY_TIMEOUT_MS = 5000

migrations = Migrations("zhichuang")
# Feature modules keep their own named Migrations sets and list them here, in order.
MIGRATION_SETS: list[Migrations] = [migrations]


@migrations(name="001_events")
def _events(db: Database) -> None:
    db["events"].create(
        {
            "id": int,
            "kind": str,
            "time": str,  # UTC ISO-8601
            "channel": str,
            "user": str,  # salted hash, never the raw id
            "county": str,
            "language": str,
            "question": str,  # normalised text
            "topic": str,
            "intent": str,
            "decision": str,
            "score": float,
            "reply_to": int,
            "internal": int,
            "detail": str,  # JSON for kinds that need more (referral station, feedback value)
        },
        pk="id",
    )
    db["events"].create_index(["time"])
    db["events"].create_index(["kind", "time"])
    db["events"].create_index(["user"])


@migrations(name="002_meta")
def _meta(db: Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")


class Store(Database):
    """A sqlite-utils Database whose `atomic()` starts with BEGIN IMMEDIATE.

    sqlite-utils opens a deferred BEGIN: a transaction that reads before it writes must later upgrade
    its read lock, and when another process writes meanwhile that upgrade fails at once with
    "database is locked" (the busy timeout is not applied to an upgrade). BEGIN IMMEDIATE takes the
    write lock up front, waiting up to the busy timeout for it. Every write transaction of the bot,
    and of sqlite-utils itself (table inserts, migrations), goes through this one context manager.
    """

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: a savepoint inside the open transaction
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def open_db(path: str | Path) -> Store:
    """Open (creating if needed) the database with WAL, a busy timeout and all migrations applied."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Store(path) if path != ":memory:" else Store(memory=True)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        db.enable_wal()
    for migration_set in MIGRATION_SETS:
        migration_set.apply(db)
    return db


def salt(db: Database, environ: Mapping[str, str] | None = None) -> str:
    """The pseudonymisation salt: BOT_SALT from the environment, else generated once and kept."""
    environ = os.environ if environ is None else environ
    if environ.get("BOT_SALT"):
        return environ["BOT_SALT"]
    row = next(db.query("select value from meta where key = 'salt'"), None)
    if row:
        return row["value"]
    value = secrets.token_hex(16)
    db.execute("insert or ignore into meta (key, value) values ('salt', ?)", [value])
    db.conn.commit()
    return next(db.query("select value from meta where key = 'salt'"))["value"]


# Feature migration sets, one line each (imported at the bottom so feature modules may import store).
from bot import audit, dedup, metrics, outbox, profiles, tickets  # noqa: E402

MIGRATION_SETS += [
    profiles.migrations, audit.migrations, dedup.migrations, metrics.migrations, outbox.migrations,
    tickets.migrations,
]
profiles.ERASERS.append(tickets.forget_firm)
