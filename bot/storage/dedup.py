"""Inbound deliveries already handled, kept a short while so a platform's retry is answered, not re-run.

SQLite rather than memory: a retry that arrives after a restart is still recognised, and the table
stays small because rows older than `keep` are pruned on every write. A row may name its owner (the
firm's pseudonym) so that /forget removes the firm's deliveries and the replies they got.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import Clock, utc_iso
from bot.storage.rows import first_row

migrations = Migrations("dedup")


@migrations(name="001_inbound_seen")
def _seen(db: Database) -> None:
    db.table("inbound_seen").create(
        {"channel": str, "key": str, "time": str, "reply": str}, pk=("channel", "key")
    )
    db.table("inbound_seen").create_index(["time"])


@migrations(name="002_inbound_owner")
def _owner(db: Database) -> None:
    db.table("inbound_seen").add_column("owner", str, not_null_default="")
    db.table("inbound_seen").create_index(["owner"])


class SeenDeliveries:
    """Delivery keys of one channel (WeCom MsgId …) with the reply that was given."""

    def __init__(self, db: Database, channel: str, clock: Clock, keep: timedelta) -> None:
        self.db, self.channel, self.clock, self.keep = db, channel, clock, keep

    def reply_for(self, key: str) -> str | None:
        """The reply given to `key` ('' for none), or None if it was not handled recently."""
        row = first_row(
            self.db, "select reply from inbound_seen where channel = ? and key = ? and time >= ?",
            [self.channel, key, self._stamp(self.clock.now() - self.keep)],
        )
        return None if row is None else row["reply"]

    def remember(self, key: str, reply: str, owner: str = "") -> None:
        """Record `key` as handled with `reply` (for `owner`, if named), and forget deliveries older
        than `keep`; inside the caller's transaction, if any (the message's own: handled and answered
        commit together)."""
        now = self.clock.now()
        with self.db.atomic():
            self.db.execute(
                "insert or replace into inbound_seen (channel, key, time, reply, owner) values (?, ?, ?, ?, ?)",
                [self.channel, key, self._stamp(now), reply, owner],
            )
            self.db.execute("delete from inbound_seen where time < ?", [self._stamp(now - self.keep)])

    def forget_owner(self, owner: str) -> None:
        """/forget: drop the deliveries of `owner` and the replies they got."""
        with self.db.atomic():
            self.db.execute("delete from inbound_seen where channel = ? and owner = ?", [self.channel, owner])

    @staticmethod
    def _stamp(moment: datetime) -> str:
        return utc_iso(moment)
