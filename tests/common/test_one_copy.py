"""One copy of what several layers share: the stored time format, the decisions, the delivery statuses."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.common.clock import SHANGHAI, parse_utc_iso, utc_iso
from bot.delivery.outbox import iso

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for folder in ("bot", "handlers", "cli") for p in (ROOT / folder).rglob("*.py")]


def test_stored_times_are_utc_iso_and_read_back_equal() -> None:
    moment = datetime(2026, 11, 25, 10, 30, 15, 123456, tzinfo=SHANGHAI)
    assert utc_iso(moment) == "2026-11-25T02:30:15+00:00"
    assert iso(moment) == "2026-11-25T02:30:15.123+00:00"  # the outbox keeps milliseconds
    assert parse_utc_iso(utc_iso(moment)) == moment - timedelta(microseconds=123456)
    assert parse_utc_iso(iso(moment)).tzinfo == UTC


def _sites(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [f"{p.relative_to(ROOT)}:{n}" for p in CODE
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if found.search(line)]


def test_one_utc_iso_formatter() -> None:
    assert [s.split(":")[0] for s in _sites(r"isoformat\(timespec")] == ["bot/common/clock.py"]


def test_one_set_of_decision_and_delivery_status_constants() -> None:
    assert [s.split(":")[0] for s in _sites(r'^ANSWER, CLARIFY, FALLBACK = ')] == ["bot/answering/ports.py"]
    assert [s.split(":")[0] for s in _sites(r'^[A-Z_, ]*\bPENDING\b[A-Z_, ]* = ')] == ["bot/delivery/outbox.py"]
