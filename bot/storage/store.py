"""SQLite storage through sqlite-utils: WAL, busy timeout, write transactions that take the write lock
first (BEGIN IMMEDIATE), idempotent named migrations, the pseudonymisation salts."""
from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.config import ConfigError
from bot.common.env import SALT, Env
from bot.storage.events import FEEDBACK_KIND, REFERRAL_COLUMNS, REFERRAL_KIND, Salts

BUSY_TIMEOUT_MS = 5000
log = logging.getLogger(__name__)

migrations = Migrations("zhichuang")  # the event log and meta; each capability keeps its own set


@migrations(name="001_events")
def _events(db: Database) -> None:
    db.table("events").create(
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
    db.table("events").create_index(["time"])
    db.table("events").create_index(["kind", "time"])
    db.table("events").create_index(["user"])


@migrations(name="002_meta")
def _meta(db: Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")


@migrations(name="003_event_rating")
def _rating(db: Database) -> None:
    """A rating's value (up/down) in a column of its own as well as in `detail`, so an index can hold it
    (bot/storage/events.py writes it; the report reads it from bot/metrics' indexes)."""
    db.execute("ALTER TABLE events ADD COLUMN rating TEXT")
    db.execute(f"UPDATE events SET rating = detail ->> '$.value' WHERE kind = '{FEEDBACK_KIND}'")


@migrations(name="004_referral_columns")
def _referral_columns(db: Database) -> None:
    """A referral's station, station type, county and topic in columns of their own as well as in `detail`,
    so an index can hold them (bot/storage/events.py writes them; the report reads them from an index of
    bot/metrics). Filled from `detail` for the referrals already written."""
    for column in REFERRAL_COLUMNS:
        db.execute(f"ALTER TABLE events ADD COLUMN {column} TEXT")
    values = ", ".join(f"{column} = {value}" for column, value in REFERRAL_COLUMNS.items())
    db.execute(f"UPDATE events SET {values} WHERE kind = '{REFERRAL_KIND}'")


class Store(Database):
    """A sqlite-utils Database whose `atomic()` starts with BEGIN IMMEDIATE.

    sqlite-utils opens a deferred BEGIN: a transaction that reads before it writes must later upgrade
    its read lock, and when another process writes meanwhile that upgrade fails at once with
    "database is locked" (the busy timeout is not applied to an upgrade). BEGIN IMMEDIATE takes the
    write lock up front, waiting up to the busy timeout for it. Every write transaction of the bot,
    and of sqlite-utils itself (table inserts, migrations), goes through this one context manager.
    """

    _depth = 0  # savepoints open inside the transaction

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: a savepoint inside the open transaction
            with self._savepoint():
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

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A savepoint named by its depth, so that its statements repeat word for word and sqlite3 prepares
        them once (sqlite-utils names every savepoint afresh); undone alone when its block fails."""
        self._depth += 1
        name = f"store_{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # an error may have ended the whole transaction already
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1


def open_store(path: str | Path, migration_sets: Iterable[Migrations]) -> Store:
    """Open (creating if needed) the database with WAL, a busy timeout and the given migration sets
    applied in order (bot/app.py lists every capability's)."""
    path = str(path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Store(path) if path != ":memory:" else Store(memory=True)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path != ":memory:":
        db.enable_wal()
    for migration_set in migration_sets:
        migration_set.apply(db)
    return db


def require_salt(environ: Mapping[str, str] | None = None) -> None:
    """Firm-facing channels (telegram, wecom) refuse to start without BOT_SALT: a salt kept in the
    database would let the database alone undo the pseudonyms."""
    if not Env.of(environ).salt:
        raise ConfigError(f"{SALT} is not set: a firm-facing channel needs a secret salt (docs/privacy.md)")


def salts(db: Database, environ: Mapping[str, str] | None = None) -> Salts:
    """The pseudonymisation salts: BOT_SALT from the environment (comma-separated, the current one
    first, earlier ones kept for /forget), then one generated into the database by an earlier run
    without BOT_SALT. Without BOT_SALT (console, ask, eval, tests) one is generated into the database,
    with a warning."""
    salt, stored = Env.of(environ).salt, _stored_salt(db)
    if salt:
        return Salts.parse(salt, extra=stored)
    log.warning("%s is not set: using a salt kept in the database (fine for console, ask and eval only)",
                SALT)
    return Salts.parse(stored or _generate_salt(db))


def _stored_salt(db: Database) -> str | None:
    row = next(db.query("select value from meta where key = 'salt'"), None)
    return row["value"] if row else None


def _generate_salt(db: Database) -> str:
    db.execute("insert or ignore into meta (key, value) values ('salt', ?)", [secrets.token_hex(16)])
    return _stored_salt(db) or ""
