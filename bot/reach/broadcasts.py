"""Specialists' broadcasts, the same on every channel: a draft (text, audience, time), its preview with
the exact recipient count, the confirm that schedules it (audited), the list of what is scheduled and
cancelling by id (audited). Channels only render it (buttons on Telegram)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from bot.common.clock import SHANGHAI, Clock
from bot.common.schedule import ONCE, When
from bot.delivery.outbox import (
    BROADCAST,
    CALENDAR,
    CANCELLED,
    FOOTER_UNSUBSCRIBE,
    SCHEDULED,
    SENDING,
    SENT,
    Audience,
    Broadcast,
    Creator,
    Outbox,
)
from bot.i18n.texts import list_separator, text, title
from bot.storage.audit import record_audit

RECURRENCE_KEYS = {"weekly": "every_week", "monthly": "every_month", "yearly": "every_year"}
STATUS_KEYS = {SCHEDULED: "status_scheduled", SENDING: "status_sending", SENT: "status_sent",
               CANCELLED: "status_cancelled"}


@dataclass(frozen=True)
class Draft:
    """A broadcast being composed; nothing is scheduled until it is confirmed."""

    number: int  # tells a current draft from a stale one (old buttons)
    text: str = ""
    audience: Audience = field(default_factory=lambda: Audience(notices=True))
    when: When | None = None  # None: not chosen yet; When(None): now

    def toggled(self, part: str, value: str | bool) -> Draft:
        """The draft with one audience choice switched on or off (`notices`, `topics`, `counties`, …)."""
        if part == "notices":
            return replace(self, audience=replace(self.audience, notices=not self.audience.notices))
        current: tuple[str, ...] = getattr(self.audience, part)
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        changes: dict[str, Any] = {part: values}
        return replace(self, audience=replace(self.audience, **changes))


def describe_audience(audience: Audience, lang: str) -> str:
    """The audience in one line: who (notices, topics), then where and which industries."""
    sep = list_separator(lang)
    who = []
    if audience.everyone_with_notices:
        who.append(text("aud_notices", lang))
    if audience.topics:
        who.append(
            text("aud_topics", lang, topics=sep.join(title("topic", t, lang) for t in audience.topics))
        )
    line = text("aud_or", lang).join(who)
    if audience.counties:
        line += text(
            "aud_counties", lang, counties=sep.join(title("county", c, lang) for c in audience.counties)
        )
    if audience.industries:
        titles = sep.join(title("industry", i, lang) for i in audience.industries)
        line += text("aud_industries", lang, industries=titles)
    return line


def describe_when(when: When, lang: str) -> str:
    if when.first is None:
        return text("when_now", lang)
    moment = when.first.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if when.recurrence == ONCE:
        return text("when_at", lang, at=moment)
    return text("when_repeat", lang, at=moment, every=text(RECURRENCE_KEYS[when.recurrence], lang))


class BroadcastDesk:
    """What a specialist can do with broadcasts, over the bot's database."""

    def __init__(self, db: Database, clock: Clock, max_chars: int = 3500) -> None:
        self.db, self.clock, self.max_chars = db, clock, max_chars
        self.outbox = Outbox(db)

    def text_problem(self, typed: str, lang: str) -> str | None:
        """Why this text cannot be broadcast (empty, too long), or None."""
        if not typed.strip():
            return text("bc_empty", lang)
        if len(typed) > self.max_chars:
            return text("bc_too_long", lang, count=str(len(typed)), limit=str(self.max_chars))
        return None

    def recipients(self, audience: Audience) -> int:
        return self.outbox.count_recipients(audience)

    def audience_summary(self, audience: Audience, lang: str) -> str:
        return text(
            "bc_audience",
            lang,
            audience=describe_audience(audience, lang),
            count=str(self.recipients(audience)),
        )

    def preview(self, draft: Draft, lang: str) -> str:
        """Exactly what recipients will read (the footer in the specialist's language), who gets it
        (the count as of now) and when."""
        when = draft.when or When(None)
        lines = [
            text("bc_preview", lang),
            "————",
            draft.text,
            "",
            text(FOOTER_UNSUBSCRIBE, lang),
            "————",
            self.audience_summary(draft.audience, lang),
            describe_when(when, lang),
        ]
        if when.first is not None:
            lines.append(text("bc_count_later", lang))
        return "\n".join(lines)

    def confirm(self, draft: Draft, creator: Creator) -> int:
        """Schedule the draft (now, or at its time) and audit it; returns the broadcast id."""
        now = self.clock.now()
        when = draft.when or When(None)
        audience = draft.audience
        topic = audience.topics[0] if len(audience.topics) == 1 else None
        broadcast_id = self.outbox.create(
            kind=BROADCAST,
            text=draft.text,
            audience=audience,
            when=when,
            now=now,
            topic=topic,
            creator=creator,
        )
        assert broadcast_id is not None, "a broadcast without a dedup key is always created"
        record_audit(
            self.db,
            time=now,
            channel=creator.channel,
            actor=creator.actor,
            action="broadcast",
            detail={
                "id": broadcast_id,
                "recipients_now": self.recipients(audience),
                "audience": audience.to_json(),
                "scheduled_for": (when.first or now).isoformat(),
                "recurrence": when.recurrence,
                "chars": len(draft.text),
            },
        )
        return broadcast_id

    def scheduled_list(self, lang: str) -> str:
        """/reminders: what is scheduled or going out, with ids (newest runs of recurring ones too)."""
        upcoming = self.outbox.upcoming((BROADCAST, CALENDAR))
        if not upcoming:
            return text("bc_none_scheduled", lang)
        return "\n".join(
            [text("bc_scheduled_title", lang)]
            + [self._line(b, lang) for b in upcoming]
            + [text("bc_cancel_hint", lang)]
        )

    def _line(self, broadcast: Broadcast, lang: str) -> str:
        when = describe_when(When(broadcast.scheduled_for, broadcast.recurrence), lang)
        first_line = broadcast.text.splitlines()[0] if broadcast.text else ""
        snippet = first_line[:30] + ("…" if len(first_line) > 30 or "\n" in broadcast.text else "")
        if broadcast.status == SCHEDULED:
            return text(
                "bc_line_scheduled",
                lang,
                id=str(broadcast.id),
                when=when,
                snippet=snippet,
                audience=describe_audience(broadcast.audience, lang),
            )
        delivery = self.outbox.delivery(broadcast.id)
        return text(
            "bc_line_sending",
            lang,
            id=str(broadcast.id),
            snippet=snippet,
            done=str(delivery.total - delivery.pending),
            total=str(delivery.total),
        )

    def cancel(self, typed_id: str, lang: str) -> tuple[str, dict]:
        """/cancel_reminder <id>: the reply and the audit detail (the caller audits)."""
        if not typed_id.strip().lstrip("#").isdigit():
            return text("bc_cancel_usage", lang), {"ok": False}
        broadcast_id = int(typed_id.strip().lstrip("#"))
        broadcast = self.outbox.get(broadcast_id)
        if broadcast is None or broadcast.kind == "deadline":
            return text("bc_not_found", lang, id=str(broadcast_id)), {"id": broadcast_id, "ok": False}
        if not self.outbox.cancel(broadcast_id, self.clock.now()):
            status = text(STATUS_KEYS[broadcast.status], lang)
            return text("bc_not_cancellable", lang, id=str(broadcast_id), status=status), {
                "id": broadcast_id,
                "ok": False,
            }
        return text("bc_cancelled", lang, id=str(broadcast_id)), {"id": broadcast_id, "ok": True}
