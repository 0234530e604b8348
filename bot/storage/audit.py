"""The audit table: who did which specialist action, and when (channel-agnostic)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import utc_iso
from bot.storage.rows import insert_row

migrations = Migrations("audit")


@migrations(name="001_audit")
def _audit(db: Database) -> None:
    db.table("audit").create(
        {"id": int, "time": str, "channel": str, "actor": str, "action": str, "detail": str}, pk="id"
    )
    db.table("audit").create_index(["time"])


def record_audit(
    db: Database,
    *,
    time: datetime,
    channel: str,
    actor: str,
    action: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Write one audit row (time in UTC; `actor` is the specialist's id on `channel`) and return its id."""
    row = {
        "time": utc_iso(time),
        "channel": channel,
        "actor": actor,
        "action": action,
        "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
    }
    with db.atomic():
        return insert_row(db.table("audit"), row)
