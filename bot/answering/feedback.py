"""👍 / 👎 on an answer: accepted only from the user the answer was given to, and counted once per
answer and user (a channel's buttons carry the answer's event id, which anyone can forge)."""
from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.storage.events import FEEDBACK_KIND

MAX_EVENT_ID = 2**63 - 1  # SQLite's largest integer: a larger id names no event


def own_answer(db: Database, event_id: int, user: str) -> dict[str, Any] | None:
    """The answer event `event_id` (its topic and intent) when it was given to `user`, else None."""
    if not 0 < event_id <= MAX_EVENT_ID:
        return None
    return next(db.query(
        "select id, topic, intent from events where id = ? and user = ? and kind != ?",
        [event_id, user, FEEDBACK_KIND],
    ), None)


def already_rated(db: Database, event_id: int, user: str) -> bool:
    """True when `user` has rated the answer `event_id` before."""
    return next(db.query(
        "select 1 from events where kind = ? and reply_to = ? and user = ? limit 1",
        [FEEDBACK_KIND, event_id, user],
    ), None) is not None
