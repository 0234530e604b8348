"""Seeding helper shared by the reminders benches: many firms accepting service notices, in one transaction."""
from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database


def seed_firms(db: Database, count: int, at: datetime) -> Database:
    """`count` active Telegram firms (users u<n>, chats 100000+n) that accept service notices."""
    stamp = at.isoformat(timespec="seconds")
    with db.atomic():
        db["firms"].insert_all(
            {"user": f"u{n}", "channel": "telegram", "chat_id": str(100_000 + n), "language": "zh",
             "notices": 1, "active": 1, "created": stamp, "updated": stamp}
            for n in range(count)
        )
    return db
