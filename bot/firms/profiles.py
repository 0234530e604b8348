"""Firm profiles and topic subscriptions (and their /forget eraser), shared by every channel (Telegram, WeCom).

Rows are keyed by the salted user hash (`EventLog.user(channel, user_id)`); the raw chat id is kept
only in `firms.chat_id`, for delivery.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import utc_iso
from bot.common.vocab import IP_TOPICS
from bot.storage.rows import first_row

migrations = Migrations("profiles")

LANGUAGES = ("zh", "en")


@migrations(name="001_firms")
def _firms(db: Database) -> None:
    db.table("firms").create(
        {
            "user": str,  # salted hash
            "channel": str,
            "chat_id": str,  # raw id, kept only for delivery
            "county": str,  # official name or 'city'
            "industry": str,
            "language": str,
            "notices": int,
            "active": int,
            "created": str,  # UTC ISO
            "updated": str,
        },
        pk="user",
    )


@migrations(name="002_subscriptions")
def _subscriptions(db: Database) -> None:
    db.table("subscriptions").create({"user": str, "topic": str, "consented_at": str}, pk=("user", "topic"))


@dataclass(frozen=True)
class Firm:
    user: str
    channel: str
    chat_id: str
    county: str | None
    industry: str | None
    language: str
    notices: bool
    active: bool
    created: str
    updated: str


class Profiles:
    """Read and change firm profiles and subscriptions in the bot's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._held: dict[str, Firm | None] | None = None  # the rows read inside `held()`

    @contextmanager
    def held(self) -> Iterator[None]:
        """Inside one write transaction (BEGIN IMMEDIATE: no other writer meanwhile), each firm's row is
        read once: `get` answers from what it read, this object's own writes read the row again, and
        whoever erases a profile otherwise (`forget_profile`) calls `reread`."""
        if self._held is not None:
            yield
            return
        assert self.db.conn.in_transaction, "held() keeps rows only inside a write transaction"
        self._held = {}
        try:
            yield
        finally:
            self._held = None

    def reread(self, user: str) -> None:
        """The firm's row changed behind this object's back: read it again (inside `held()`)."""
        if self._held is not None:
            self._held.pop(user, None)

    def get(self, user: str) -> Firm | None:
        if self._held is not None and user in self._held:
            return self._held[user]
        row = first_row(self.db, "select * from firms where user = ?", [user])
        firm = None if row is None else Firm(**{**row, "notices": bool(row["notices"]), "active": bool(row["active"])})
        if self._held is not None:
            self._held[user] = firm
        return firm

    def ensure(
        self, user: str, channel: str, chat_id: str, language: str, now: datetime
    ) -> tuple[Firm, bool]:
        """The firm's profile, created (with `language`) if missing; True when it was just created.

        An existing profile gets the current chat id and is marked active again.
        """
        stamp = utc_iso(now)
        with self.db.atomic():
            created = self.db.execute(
                "insert or ignore into firms"
                " (user, channel, chat_id, language, notices, active, created, updated)"
                " values (?, ?, ?, ?, 0, 1, ?, ?)",
                [user, channel, chat_id, language, stamp, stamp],
            ).rowcount == 1
            if not created:
                self.db.execute(
                    "update firms set chat_id = ?, active = 1, updated = ? where user = ?",
                    [chat_id, stamp, user],
                )
            self.reread(user)
            firm = self.get(user)
        assert firm is not None, "the profile was written in this transaction"
        return firm, created

    def update(self, user: str, now: datetime, **fields: str | int | None) -> Firm | None:
        """Change some of county, industry, language, notices, active; return the new profile (None if
        the firm has none, e.g. it was erased meanwhile)."""
        allowed = {"county", "industry", "language", "notices", "active"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.db.atomic():
            self.db.execute(
                f"update firms set {assignments}, updated = ? where user = ?",
                [*fields.values(), utc_iso(now), user],
            )
        self.reread(user)
        return self.get(user)

    # ---- subscriptions ----------------------------------------------------------------------

    def subscriptions(self, user: str) -> list[str]:
        """The user's subscribed topics, in the order of IP_TOPICS."""
        rows = {r["topic"] for r in self.db.query("select topic from subscriptions where user = ?", [user])}
        return [topic for topic in IP_TOPICS if topic in rows]

    def subscribe(self, user: str, topic: str, now: datetime) -> None:
        if topic not in IP_TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        with self.db.atomic():
            self.db.execute(
                "insert or ignore into subscriptions (user, topic, consented_at) values (?, ?, ?)",
                [user, topic, utc_iso(now)],
            )

    def unsubscribe(self, user: str, topic: str) -> None:
        with self.db.atomic():
            self.db.execute("delete from subscriptions where user = ? and topic = ?", [user, topic])


def forget_profile(db: Database, firm: str, user: str) -> None:
    """/forget: the firm's profile and subscriptions go (an eraser, bot/storage/privacy.py)."""
    db.execute("delete from firms where user = ?", [firm])
    db.execute("delete from subscriptions where user = ?", [firm])
