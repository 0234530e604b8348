"""Ticket notices on the delivery service: the outbox kind `ticket_notice` (bot/delivery/dispatch.py
`CopyKind`), and the desk's periodic check run on the service's tick.

A notice's copy is written with the notice (bot/handoff/tickets.py `notify`) and sent by the dispatcher
of the recipient's channel under that channel's limits, backoff and recovery, like a broadcast's copy.
At sending, the firm's sealed chat is opened and the notice worded (`TicketDesk.render`); a channel with
buttons or edits (Telegram) puts it in front of the recipient through its `Courier`, others as plain
text through their Sender (keyed by the copy where the platform takes our message id: 微信客服). The
outcome is kept on the notice (its platform message id for replies and edits); a firm that cannot be
reached, or not before it writes again (a `waiting` copy), is reported to the claimer.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from bot.common.settings_handoff import Staff
from bot.delivery.dispatch import Composed, Job, Outcome, copy_key
from bot.delivery.outbox import BLOCKED, FAILED, WAITING
from bot.delivery.sender import Sender, send_once
from bot.handoff.desk import TicketDesk
from bot.handoff.tickets import FIRM, KEPT, NOTICE_COPY, SPECIALIST, UNREACHABLE, Notice

log = logging.getLogger(__name__)


class Courier(Protocol):
    """Puts one notice in front of its recipient on one channel (buttons, edits); returns the platform's
    message id (None when it has none) or raises a bot.delivery.sender error."""

    channel: str

    async def deliver(self, notice: Notice, said: str) -> str | None: ...


class TicketNotices:
    """The outbox kind of ticket notices (registered with each channel process's dispatcher)."""

    name = NOTICE_COPY

    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        self.couriers: dict[str, Courier] = {}

    def add_courier(self, courier: Courier) -> None:
        """Notices for the courier's channel go through it instead of the plain Sender."""
        self.couriers[courier.channel] = courier

    def compose(self, ref: int) -> Composed | None:
        """The notice worded for its recipient, the firm's chat unsealed; None when the notice is gone
        (/forget) or no salt in BOT_SALT opens the chat (logged)."""
        notice = self.desk.tickets.notice(ref)
        addressed = self._opened(notice) if notice else None
        if notice is None or addressed is None:
            return None
        return Composed(addressed.chat_id, self.desk.render(notice), addressed)

    async def send(self, sender: Sender, job: Job) -> str | None:
        courier = self.couriers.get(job.channel)
        if courier is None:
            await send_once(sender, copy_key(job), job.chat_id, job.text)
            return None
        assert isinstance(job.item, Notice)
        return await courier.deliver(job.item, job.text)

    def settle(self, job: Job, outcome: Outcome, now: datetime) -> None:
        """Keep the outcome on the notice; a firm's notice given up, or waiting for the firm to write
        (微信客服's session window), is reported to the claimer."""
        assert job.ref is not None
        tickets = self.desk.tickets
        tickets.settled(job.ref, outcome.status, job.attempts, now, outcome.message_id)
        if outcome.status not in (FAILED, BLOCKED, WAITING):
            return
        log.warning("ticket notice %s to %s %s: %s", job.ref, job.channel,
                    "waits for the firm to write" if outcome.status == WAITING else "given up", outcome.error)
        notice = tickets.notice(job.ref)
        ticket = tickets.get(notice.ticket_id) if notice and notice.role == FIRM else None
        claimer = Staff.parse(ticket.claimed_by) if ticket and ticket.claimed_by else None
        if ticket and claimer:
            kind = KEPT if outcome.status == WAITING else UNREACHABLE
            tickets.notify(ticket.id, claimer.channel, claimer.user_id, SPECIALIST, kind, now)

    def _opened(self, notice: Notice) -> Notice | None:
        """The notice with the firm's chat unsealed (a specialist's is plain); None, logged, when no salt
        in BOT_SALT opens it (the salt it was sealed with was dropped while the ticket was open)."""
        if notice.role != FIRM:
            return notice
        chat_id = self.desk.engine.events.unseal(notice.chat_id)
        if chat_id is None:
            log.warning("ticket notice %s: no salt in BOT_SALT opens the firm's chat (keep old salts until "
                        "their tickets are closed, docs/privacy.md)", notice.id)
            return None
        return replace(notice, chat_id=chat_id)


class DeskCheck:
    """The desk's service levels (`TicketDesk.check`: offer stray tickets, escalate overdue ones) as a
    tick of the delivery service, run at most every `handoff.check_seconds`."""

    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        self._next: datetime | None = None

    def __call__(self, now: datetime) -> int:
        """Escalated tickets (their offers are new copies to send)."""
        if self._next is not None and now < self._next:
            return 0
        self._next = now + timedelta(seconds=self.desk.config.check_seconds)
        return len(self.desk.check())
