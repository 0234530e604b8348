"""The event log: one row per handled message, choice, fallback and (later) feedback or referral."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

INTERNAL_CHANNELS = frozenset({"cli", "test"})
FEEDBACK_KIND = "feedback"  # detail {"value": "up" | "down"}, reply_to = the rated answer
ASKED = "asked"  # a question event's detail {"asked": …}: the question as the firm wrote it (for /gaps)


def forget_asked(db: Database, user: str) -> None:
    """/forget: the user's questions lose their wording as written (an eraser of bot/profiles.py)."""
    db.execute("update events set detail = null where user = ? and kind = 'question'", [user])


def pseudonym(salt: str, channel: str, user_id: str) -> str:
    """A salted hash of a channel user id; the raw id never reaches the events table."""
    return hashlib.sha256(f"{salt}:{channel}:{user_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class EventLog:
    db: Database
    salt: str

    def user(self, channel: str, user_id: str) -> str:
        return pseudonym(self.salt, channel, user_id)

    def record(
        self,
        kind: str,
        *,
        time: datetime,
        channel: str,
        user: str,
        internal: bool = False,
        detail: dict[str, Any] | None = None,
        **fields: Any,
    ) -> int:
        """Write one event (time stored in UTC) and return its id."""
        row = {
            "kind": kind,
            "time": time.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "channel": channel,
            "user": user,
            "internal": int(internal or channel in INTERNAL_CHANNELS),
            "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
            **fields,
        }
        with self.db.atomic():
            return self.db["events"].insert(row).last_pk
