"""Erasure (/forget): each capability that keeps a firm's data offers an eraser; bot/app.py lists them
all in one place and `erase` runs them in one transaction."""
from __future__ import annotations

from typing import Callable, Iterable

from sqlite_utils import Database

# (db, firm, user): `firm` keys a firm's own rows (profiles, deadlines, copies), `user` its events and
# tickets; both are salted pseudonyms (bot/storage/events.py).
Eraser = Callable[[Database, str, str], None]


def erase(db: Database, erasers: Iterable[Eraser], firm: str, user: str) -> None:
    """Run every eraser for one firm inside one write transaction: all of it goes, or none."""
    with db.atomic():
        for eraser in erasers:
            eraser(db, firm, user)
