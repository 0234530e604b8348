"""Ticket figures for the bureau's report and /stats, and the links between events and tickets.

Tickets are counted by the Asia/Shanghai day they were created (periods as in bot/metrics/queries.py);
internal tickets (specialists' own tests, the cli/test channels) are left out unless asked for.
Times are wall-clock minutes from the handoff (office hours not subtracted).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from statistics import median
from typing import Iterable

from sqlite_utils import Database

from bot.common.clock import parse_utc_iso
from bot.metrics.queries import Gap, Period

MINUTE = 60.0


@dataclass(frozen=True)
class TicketFigures:
    """The tickets created in a period: how many, about what and where, how fast, how they ended."""

    period: Period
    tickets: int = 0
    claimed: int = 0
    answered: int = 0  # got a specialist's answer
    closed: int = 0
    escalated: int = 0  # not claimed within the claim timeout
    by_topic: dict[str, int] = field(default_factory=dict)
    by_county: dict[str, int] = field(default_factory=dict)
    minutes_to_claim: float | None = None  # medians
    minutes_to_first_response: float | None = None
    minutes_to_close: float | None = None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.tickets if self.tickets else None

    @property
    def closed_share(self) -> float | None:
        return self.closed / self.tickets if self.tickets else None


def _minutes(start: str, end: str | None) -> float | None:
    if not end:
        return None
    return (parse_utc_iso(end) - parse_utc_iso(start)).total_seconds() / MINUTE


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return median(known) if known else None


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def ticket_metrics(db: Database, start: date, end: date, include_internal: bool = False) -> TicketFigures:
    """Figures of the tickets created from `start` to `end` (Asia/Shanghai days, both included)."""
    period = Period(start, end)
    rows = list(db.query(
        "select topic, county, created, claimed_at, first_response_at, closed_at, escalated_at from tickets"
        " where created >= ? and created < ? and (internal = 0 or ?)",
        [*period.utc_bounds, int(include_internal)],
    ))
    return TicketFigures(
        period=period,
        tickets=len(rows),
        claimed=sum(bool(r["claimed_at"]) for r in rows),
        answered=sum(bool(r["first_response_at"]) for r in rows),
        closed=sum(bool(r["closed_at"]) for r in rows),
        escalated=sum(bool(r["escalated_at"]) for r in rows),
        by_topic=_ranked(Counter(r["topic"] or "" for r in rows)),
        by_county=_ranked(Counter(r["county"] or "" for r in rows)),
        minutes_to_claim=_median(_minutes(r["created"], r["claimed_at"]) for r in rows),
        minutes_to_first_response=_median(_minutes(r["created"], r["first_response_at"]) for r in rows),
        minutes_to_close=_median(_minutes(r["created"], r["closed_at"]) for r in rows),
    )


def tickets_for_events(db: Database, event_ids: Iterable[int]) -> dict[int, list[int]]:
    """The tickets each event led to: as the reply before the handoff (`reply_to`) or as the `handoff`
    event itself. Events without a ticket are left out."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    found: dict[int, set[int]] = {}
    rows = db.execute(
        "select t.id, t.event_id, t.reply_to from tickets as t, json_each(?) as wanted"
        " where t.event_id = wanted.value or t.reply_to = wanted.value",
        [json.dumps(ids)],
    ).fetchall()
    wanted = set(ids)
    for ticket_id, event_id, reply_to in rows:
        for event in {event_id, reply_to} & wanted:
            found.setdefault(event, set()).add(ticket_id)
    return {event: sorted(tickets) for event, tickets in sorted(found.items())}


def _gap_text(question: str | None) -> str:
    """A question as bot/metrics.gap_questions groups it (whitespace collapsed)."""
    return " ".join(str(question or "").split())


def gap_tickets(db: Database, period: Period, include_internal: bool = False) -> dict[str, list[int]]:
    """The tickets that followed a knowledge gap of the period, by the gap's question text: a fallback
    handed off, or an answer rated 👎 and then handed off."""
    sql = """SELECT coalesce(nullif(e.question, ''), asked.question), t.id
        FROM tickets AS t JOIN events AS e ON e.id = t.reply_to LEFT JOIN events AS asked ON asked.id = e.reply_to
        WHERE e.time >= ? AND e.time < ? AND (e.internal = 0 OR ?)
          AND (e.decision = 'fallback' OR EXISTS (SELECT 1 FROM events AS f WHERE f.kind = 'feedback'
               AND f.reply_to = e.id AND f.rating = 'down'))
        ORDER BY t.id"""
    found: dict[str, list[int]] = {}
    for question, ticket_id in db.execute(sql, [*period.utc_bounds, int(include_internal)]).fetchall():
        found.setdefault(_gap_text(question), []).append(ticket_id)
    return found


def link_gaps(db: Database, gaps: list[Gap], period: Period, include_internal: bool = False) -> list[Gap]:
    """The knowledge gaps with the tickets their questions became (bot/metrics.knowledge_gaps' groups)."""
    linked = gap_tickets(db, period, include_internal)
    return [replace(gap, tickets=sorted({t for text in gap.variants for t in linked.get(text, [])}))
            for gap in gaps]
