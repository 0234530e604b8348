"""The specialists' desk: the Engine's handoff port and what each side can do with a ticket.

Channel-agnostic. The Engine calls `open` (synchronously) when a firm asks for a person; the ticket is
offered to the specialists on duty (settings.handoff). Firms and specialists act through the methods below,
which change the ticket atomically and queue notices for the other side (bot/handoff/tickets.py); each channel
process delivers the notices addressed to it through its delivery service, like broadcasts' copies
(bot/handoff/notices.py), right after an update and in the service's periodic tick, which also offers
stray tickets and escalates overdue ones (`check`).

Privacy: a specialist sees the ticket number, the question, the county and the bot's guesses; never the
firm's account (no user id, name or username), and the firm never sees the specialist's. The firm's chat
is kept sealed under the salt (bot/storage/events.py `seal`) and opened only to deliver a notice.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.answering.engine import Engine
from bot.answering.ports import Handoff
from bot.common.clock import Clock, local_date
from bot.common.config import Settings
from bot.common.settings_handoff import HandoffSettings, Staff
from bot.handoff.drafting import write_draft
from bot.handoff.tickets import (
    ANSWER,
    ANSWERED,
    CLAIMED,
    CLAIMED_NOTICE,
    CLOSED,
    CLOSED_NOTICE,
    ESCALATED,
    FIRM,
    FOLLOW_UP,
    KEPT,
    OFFER,
    OPEN,
    SPECIALIST,
    TAKEN,
    UNREACHABLE,
    WITHDRAWN,
    Notice,
    Ticket,
    Tickets,
    seal_addresses,
)
from bot.i18n.texts import list_separator, text, title
from bot.storage.audit import record_audit

log = logging.getLogger(__name__)

TICKET_COMMANDS = ("claim", "reply", "close", "draft", "tickets")
FIRM_REPLY_WORDS = ("回复专员", "reply to specialist")
STAFF_LANGUAGE = "zh"  # the specialists are Nanping's IP staff
WEEKDAY_NAMES = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
                 "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_COMMAND = re.compile(r"^\s*/\S+\s+#?(\d+)\b\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Done:
    """What an action says to whoever did it; `ok` when it changed the ticket as asked."""

    text: str
    ok: bool = False


class TicketDesk:
    """Implements the Engine's HandoffDesk port and the firms' and specialists' ticket actions."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock, config: HandoffSettings | None = None) -> None:
        self.engine, self.clock = engine, clock
        self.db = engine.db
        self.config = config or settings.handoff
        self.knowledge_dir = settings.knowledge_dir
        self.tickets = Tickets(engine.db)
        seal_addresses(engine.db, engine.events.seal)  # a database of an earlier version kept raw chat ids

    # ---- the Engine's port ------------------------------------------------------------------

    def open(self, handoff: Handoff) -> str:
        """A ticket for the handed-off question, offered to the specialists on duty; tells the firm when
        to expect an answer (the next opening time outside office hours)."""
        ticket = self.tickets.create(handoff, self.engine.events.seal(handoff.user_id))
        self._offer(ticket, OFFER)
        if not self.config.on_duty(ticket.county, ticket.station_types):
            return text("ticket_recorded_unstaffed", ticket.language, id=str(ticket.id), question=handoff.question)
        return text("ticket_opened", ticket.language, id=str(ticket.id), question=handoff.question,
                    when=self._expected(ticket.created, ticket.language))

    def warn_if_unstaffed(self, channel: str) -> None:
        """At a channel's start-up: say in the log when 转人工 reaches nobody (no specialist configured)."""
        if not self.config.city_pool and not self.config.duty:
            log.warning("%s: no specialist is configured (specialists: in the config, or TELEGRAM_SPECIALISTS / "
                        "WECOM_SPECIALISTS): 转人工 questions are kept as tickets, but no one is told", channel)

    def _expected(self, moment: datetime, lang: str) -> str:
        hours = self.config.office_hours
        if hours.is_open(moment):
            return text("ticket_when_open", lang, minutes=f"{self.config.claim_timeout_minutes:g}")
        return text("ticket_when_closed", lang, hours=self.office_hours_text(lang),
                    opening=opening_text(hours.next_opening(moment), lang))

    def office_hours_text(self, lang: str) -> str:
        hours, names = self.config.office_hours, WEEKDAY_NAMES.get(lang, WEEKDAY_NAMES["zh"])
        days = sorted(hours.days)
        if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            named = text("weekday_range", lang, first=names[days[0]], last=names[days[-1]])
        else:
            named = list_separator(lang).join(names[d] for d in days)
        return text("office_hours", lang, days=named, start=hours.start.strftime("%H:%M"),
                    end=hours.end.strftime("%H:%M"))

    # ---- offering and escalating --------------------------------------------------------------

    def _offer(self, ticket: Ticket, kind: str) -> bool:
        staff = self.config.on_duty(ticket.county, ticket.station_types)
        if kind == ESCALATED:
            staff = tuple(sorted({*staff, *self.config.city_pool}))
        if not staff:
            log.warning("ticket %s: no specialist to offer it to (configure specialists / handoff.duty)", ticket.id)
        return self.tickets.offer(ticket.id, [(s.channel, s.user_id) for s in staff], kind, self.clock.now())

    def check(self) -> list[int]:
        """One round of the service levels: offer tickets never offered, and offer again — adding the city
        pool — those still unclaimed past the claim timeout (counted in office time). Returns the ids
        escalated. Safe to run in every channel's process: each ticket escalates once."""
        now = self.clock.now()
        for ticket in self.tickets.unoffered():
            self._offer(ticket, OFFER)
        overdue = [t for t in self.tickets.waiting() if t.offered_at and now >= self.config.claim_deadline(t.offered_at)]
        return [t.id for t in overdue if self._offer(t, ESCALATED)]

    # ---- specialists --------------------------------------------------------------------------

    def command(self, name: str, staff: Staff, raw: str) -> str:
        """A specialist's ticket command as typed: /claim N, /reply N text, /close N, /draft N, /tickets."""
        if name == "tickets":
            return self.listing(staff)
        parsed = _COMMAND.match(raw)
        if not parsed:
            return text("ticket_usage", STAFF_LANGUAGE)
        ticket_id, rest = int(parsed[1]), parsed[2].strip()
        if name == "claim":
            return self.claim(staff, ticket_id).text
        if name == "reply":
            return self.answer(staff, ticket_id, rest).text
        if name == "close":
            return self.close_by_staff(staff, ticket_id).text
        if name == "draft":
            return self.draft(staff, ticket_id).text
        raise ValueError(f"not a ticket command: /{name}")

    def _refusal(self, ticket: Ticket | None, ticket_id: int, staff: Staff) -> str | None:
        """Why this specialist cannot act on the ticket (missing, closed, someone else's), or None."""
        if ticket is None:
            return text("ticket_not_found", STAFF_LANGUAGE, id=str(ticket_id))
        if ticket.status == CLOSED:
            return text("ticket_closed_already", STAFF_LANGUAGE, id=str(ticket_id))
        if ticket.status != OPEN and ticket.claimed_by != staff.key:
            return text("ticket_claimed_other", STAFF_LANGUAGE, id=str(ticket_id))
        return None

    def claim(self, staff: Staff, ticket_id: int) -> Done:
        """The first to claim owns the ticket; the firm is told, the others' offers turn into "taken"."""
        ticket = self.tickets.get(ticket_id)
        refusal = self._refusal(ticket, ticket_id, staff)
        if refusal:
            return Done(refusal)
        assert ticket is not None, "a missing ticket is refused"
        if ticket.status == OPEN and not self._take(ticket, staff):
            return Done(text("ticket_claimed_other", STAFF_LANGUAGE, id=str(ticket_id)))
        claimed = self.tickets.get(ticket_id)
        assert claimed is not None, "tickets are never deleted"
        return Done(self.claimed_view(claimed, staff.channel), ok=True)

    def _take(self, ticket: Ticket, staff: Staff) -> bool:
        now = self.clock.now()
        with self.db.atomic():
            if not self.tickets.claim(ticket.id, staff.key, now):
                return False
            self._tell_firm(ticket, CLAIMED_NOTICE, now)
            self._tell_offered(ticket.id, TAKEN, now, except_staff=staff)
        self._audit(staff, "ticket_claim", ticket.id)
        return True

    def claimed_view(self, ticket: Ticket, channel: str) -> str:
        """What the claimer sees: the ticket, what the firm added meanwhile, and how to answer."""
        lines = [text("ticket_claimed_you", STAFF_LANGUAGE, id=str(ticket.id)), self.card(ticket)]
        lines += [text("ticket_thread_firm", STAFF_LANGUAGE, text=m.text)
                  for m in self.tickets.thread(ticket.id) if m.author == FIRM]
        lines.append(text(_HINTS[CLAIMER, channel], STAFF_LANGUAGE, id=str(ticket.id)))
        return "\n".join(lines)

    def answer(self, staff: Staff, ticket_id: int, body: str) -> Done:
        """The specialist's answer goes to the firm (an unclaimed ticket is claimed by answering it)."""
        ticket = self.tickets.get(ticket_id)
        refusal = self._refusal(ticket, ticket_id, staff)
        if refusal:
            return Done(refusal)
        assert ticket is not None, "a missing ticket is refused"
        if not body.strip():
            return Done(text("ticket_answer_empty", STAFF_LANGUAGE, id=str(ticket_id)))
        if ticket.status == OPEN and not self._take(ticket, staff):
            return Done(text("ticket_claimed_other", STAFF_LANGUAGE, id=str(ticket_id)))
        now = self.clock.now()
        with self.db.atomic():
            self.tickets.add_message(ticket_id, SPECIALIST, body.strip(), now, actor=staff.key)
            self.tickets.answered(ticket_id, now)
            self._tell_firm(ticket, ANSWER, now, body.strip())
        self._audit(staff, "ticket_reply", ticket_id)
        return Done(text("ticket_answer_sent", STAFF_LANGUAGE, id=str(ticket_id)), ok=True)

    def close_by_staff(self, staff: Staff, ticket_id: int) -> Done:
        """The claimer (or anyone, while unclaimed) closes; the firm is told."""
        ticket = self.tickets.get(ticket_id)
        refusal = self._refusal(ticket, ticket_id, staff)
        if refusal:
            return Done(refusal)
        assert ticket is not None, "a missing ticket is refused"
        now = self.clock.now()
        with self.db.atomic():
            if not self.tickets.close(ticket_id, SPECIALIST, now):
                return Done(text("ticket_closed_already", STAFF_LANGUAGE, id=str(ticket_id)))
            self._tell_firm(ticket, CLOSED_NOTICE, now)
            if ticket.status == OPEN:
                self._tell_offered(ticket_id, WITHDRAWN, now, except_staff=staff)
        self._audit(staff, "ticket_close", ticket_id)
        return Done(text("ticket_closed_ok", STAFF_LANGUAGE, id=str(ticket_id)), ok=True)

    def draft(self, staff: Staff, ticket_id: int) -> Done:
        """Write the ticket's answers as a knowledge draft (knowledge/drafts/ticket_<n>.yaml)."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return Done(text("ticket_not_found", STAFF_LANGUAGE, id=str(ticket_id)))
        if ticket.user is None:  # the firm used /forget: question and thread are gone
            return Done(text("ticket_draft_erased", STAFF_LANGUAGE, id=str(ticket_id)))
        answers = [m.text for m in self.tickets.thread(ticket_id) if m.author == SPECIALIST]
        if not answers or not ticket.question:
            return Done(text("ticket_draft_no_answer", STAFF_LANGUAGE, id=str(ticket_id)))
        try:
            path = write_draft(self.knowledge_dir, ticket, "\n\n".join(answers), local_date(self.clock.now()))
        except FileExistsError as exists:
            shown = _shown_path(self.knowledge_dir, exists.filename)
            return Done(text("ticket_draft_exists", STAFF_LANGUAGE, path=shown))
        self._audit(staff, "ticket_draft", ticket_id, file=_shown_path(self.knowledge_dir, path))
        return Done(text("ticket_draft_written", STAFF_LANGUAGE, path=_shown_path(self.knowledge_dir, path)), ok=True)

    def listing(self, staff: Staff) -> str:
        """Unclaimed tickets and the specialist's own open ones."""
        tickets = self.tickets.of_staff(staff.key)
        if not tickets:
            return text("ticket_list_none", STAFF_LANGUAGE)
        lines = [text("ticket_list", STAFF_LANGUAGE)] + [
            text("ticket_list_line", STAFF_LANGUAGE, id=str(t.id), county=county_text(t.county, STAFF_LANGUAGE),
                 status=text(_STATUS_TEXTS[t.status], STAFF_LANGUAGE), question=t.question or "")
            for t in tickets
        ]
        return "\n".join(lines)

    def card(self, ticket: Ticket) -> str:
        """The ticket as a specialist sees it: county, question, the bot's guesses (never the firm's account)."""
        guesses = "；".join(
            text("ticket_guess", STAFF_LANGUAGE, title=g.title, topic=title("topic", g.topic, STAFF_LANGUAGE),
                 score=f"{g.score:.0f}")
            for g in ticket.guesses
        ) or text("none", STAFF_LANGUAGE)
        return text("ticket_card", STAFF_LANGUAGE, county=county_text(ticket.county, STAFF_LANGUAGE),
                    question=ticket.question or "", guesses=guesses)

    # ---- firms --------------------------------------------------------------------------------

    def firm_text(self, channel: str, user_id: str, typed: str) -> Done | None:
        """「回复专员 …」 goes to the firm's open ticket; anything else is not for the desk (None)."""
        said = typed.strip()
        word = next((w for w in FIRM_REPLY_WORDS if said.lower().startswith(w)), None)
        if word is None:
            return None
        return self.firm_reply(channel, user_id, said[len(word):].strip(" ：:，,"))

    def firm_reply(self, channel: str, user_id: str, body: str, ticket_id: int | None = None) -> Done:
        """The firm's follow-up: kept with the ticket and passed to the claimer."""
        ticket, lang = self._firm_ticket(channel, user_id, ticket_id)
        if ticket is None:
            return Done(text("ticket_none_active", lang))
        if ticket.status == CLOSED:
            return Done(text("ticket_closed_cannot_reply", lang, id=str(ticket.id)))
        if not body.strip():
            return Done(text("ticket_follow_up_empty", lang))
        now = self.clock.now()
        with self.db.atomic():
            self.tickets.add_message(ticket.id, FIRM, body.strip(), now)
            claimer = Staff.parse(ticket.claimed_by) if ticket.claimed_by else None
            if claimer:
                self.tickets.notify(ticket.id, claimer.channel, claimer.user_id, SPECIALIST, FOLLOW_UP, now,
                                    body.strip())
        key = "ticket_follow_up_sent" if claimer else "ticket_follow_up_waiting"
        return Done(text(key, lang, id=str(ticket.id)), ok=True)

    def firm_close(self, channel: str, user_id: str, ticket_id: int | None = None) -> Done:
        """The firm closes its ticket (the latest open one unless told); the claimer, or everyone
        offered while it was unclaimed, is told."""
        ticket, lang = self._firm_ticket(channel, user_id, ticket_id)
        if ticket is None:
            return Done(text("ticket_none_active", lang))
        now = self.clock.now()
        with self.db.atomic():
            if not self.tickets.close(ticket.id, FIRM, now):
                return Done(text("ticket_closed_already", lang, id=str(ticket.id)))
            claimer = Staff.parse(ticket.claimed_by) if ticket.claimed_by else None
            if claimer:
                self.tickets.notify(ticket.id, claimer.channel, claimer.user_id, SPECIALIST, CLOSED_NOTICE, now)
            else:
                self._tell_offered(ticket.id, WITHDRAWN, now)
        return Done(text("ticket_firm_closed", lang, id=str(ticket.id)), ok=True)

    def firm_command(self, channel: str, user_id: str, raw: str) -> str:
        """A firm's `/close` or `/close N`."""
        parsed = _COMMAND.match(raw)
        return self.firm_close(channel, user_id, int(parsed[1]) if parsed else None).text

    def _firm_ticket(self, channel: str, user_id: str, ticket_id: int | None) -> tuple[Ticket | None, str]:
        """The firm's ticket `ticket_id` (only its own), else its latest one not closed; and its language."""
        user = self.engine.events.user(channel, user_id)
        if ticket_id is not None:
            ticket = self.tickets.get(ticket_id)
            ticket = ticket if ticket and ticket.user == user else None
        else:
            ticket = next(iter(self.tickets.active_of(user)), None)
        firm = next(self.db.query("select language from firms where user = ?", [user]), None)
        lang = ticket.language if ticket else (firm["language"] if firm else "zh")
        return ticket, lang

    # ---- replies to a delivered message (Telegram's reply-to) ----------------------------------

    def reply_to_message(self, channel: str, chat_id: str, message_id: str, user_id: str, body: str,
                         specialist: bool) -> Done | None:
        """A reply to a ticket message in this chat: the specialist's answer or the firm's follow-up;
        None when the message is not about a ticket."""
        notice = self.tickets.notice_for_message(channel, [chat_id, *self.engine.events.every_seal(chat_id)],
                                                 message_id)
        if notice is None:
            return None
        if notice.role == SPECIALIST and specialist:
            return self.answer(Staff(channel, user_id), notice.ticket_id, body)
        if notice.role == FIRM:
            return self.firm_reply(channel, user_id, body, notice.ticket_id)
        return None

    # ---- notices --------------------------------------------------------------------------------

    def _tell_firm(self, ticket: Ticket, kind: str, now: datetime, body: str | None = None) -> None:
        if ticket.address:
            self.tickets.notify(ticket.id, ticket.channel, ticket.address, FIRM, kind, now, body)

    def _tell_offered(self, ticket_id: int, kind: str, now: datetime, except_staff: Staff | None = None) -> None:
        skip = (except_staff.channel, except_staff.user_id) if except_staff else None
        for channel, chat_id in self.tickets.offered_to(ticket_id):
            if (channel, chat_id) != skip:
                self.tickets.notify(ticket_id, channel, chat_id, SPECIALIST, kind, now)

    def render(self, notice: Notice) -> str:
        """The text of a notice for its recipient, with how to act on it in that channel."""
        ticket = self.tickets.get(notice.ticket_id)
        assert ticket is not None, "tickets are never deleted"
        lang = ticket.language if notice.role == FIRM else STAFF_LANGUAGE
        number = str(ticket.id)
        if notice.kind in (OFFER, ESCALATED):
            header = (text("ticket_new", lang, id=number) if notice.kind == OFFER else
                      text("ticket_overdue", lang, id=number, minutes=f"{self.config.claim_timeout_minutes:g}"))
            said = f"{header}\n{self.card(ticket)}"
        elif notice.kind == CLOSED_NOTICE:
            said = text("ticket_closed_by_staff" if notice.role == FIRM else "ticket_closed_by_firm", lang, id=number)
        else:
            said = text(_NOTICE_TEXTS[notice.kind], lang, id=number, body=notice.body or "")
        hint = _HINTS.get((notice.kind, notice.channel))
        return f"{said}\n\n{text(hint, lang, id=number)}" if hint else said

    def _audit(self, staff: Staff, action: str, ticket_id: int, **detail: str) -> None:
        record_audit(self.db, time=self.clock.now(), channel=staff.channel, actor=staff.user_id, action=action,
                     detail={"ticket": ticket_id, **detail})


_NOTICE_TEXTS = {
    TAKEN: "ticket_taken", WITHDRAWN: "ticket_withdrawn", FOLLOW_UP: "ticket_follow_up",
    CLAIMED_NOTICE: "ticket_claimed_firm", ANSWER: "ticket_answer", UNREACHABLE: "ticket_unreachable",
    KEPT: "ticket_waiting",
}
_STATUS_TEXTS = {OPEN: "ticket_status_open", CLAIMED: "ticket_status_claimed", ANSWERED: "ticket_status_answered",
                 CLOSED: "ticket_status_closed"}
CLAIMER = "claimer"  # the claimed view, beside the notice kinds that carry a hint
_HINTS = {  # (notice kind, channel) → how to act on it in that channel
    (OFFER, "telegram"): "ticket_hint_offer_telegram", (OFFER, "wecom"): "ticket_hint_offer_wecom",
    (ESCALATED, "telegram"): "ticket_hint_escalated_telegram", (ESCALATED, "wecom"): "ticket_hint_escalated_wecom",
    (CLAIMER, "telegram"): "ticket_hint_claimer_telegram", (CLAIMER, "wecom"): "ticket_hint_claimer_wecom",
    (FOLLOW_UP, "telegram"): "ticket_hint_follow_up_telegram", (FOLLOW_UP, "wecom"): "ticket_hint_follow_up_wecom",
    (ANSWER, "telegram"): "ticket_hint_answer_telegram", (ANSWER, "wecom"): "ticket_hint_answer_wecom",
    (ANSWER, "wecom_kf"): "ticket_hint_answer_wecom",  # 微信客服's firms type as on the WeCom app
}


def county_text(county: str | None, lang: str) -> str:
    return title("county", county, lang) if county else text("not_set", lang)


def opening_text(moment: datetime, lang: str) -> str:
    """11月30日（周一）08:30 / Mon 2026-11-30, 08:30 (Asia/Shanghai)."""
    names = WEEKDAY_NAMES.get(lang, WEEKDAY_NAMES["zh"])
    return text("opening_time", lang, month=str(moment.month), day=str(moment.day), weekday=names[moment.weekday()],
                date=moment.date().isoformat(), time=moment.strftime("%H:%M"))


def _shown_path(knowledge_dir: Path, path: str | Path) -> str:
    """A draft's path as shown to people: from the knowledge folder's parent (knowledge/drafts/…)."""
    try:
        return str(Path(path).relative_to(knowledge_dir.parent))
    except ValueError:
        return str(path)


def attach_desk(engine: Engine, settings: Settings, clock: Clock) -> TicketDesk:
    """The channels' wiring: the Engine's handoffs become tickets at this desk (one desk per Engine)."""
    if not isinstance(engine.desk, TicketDesk):
        engine.desk = TicketDesk(engine, settings, clock)
    return engine.desk
