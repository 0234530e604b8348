"""Tickets: questions handed to a specialist, their back-and-forth, and the notices that carry it.

- `tickets`: one row per handoff — the firm (its event pseudonym, and its chat *sealed* under the salt:
  the database alone ties no ticket, and so no event, to a chat id; see docs/privacy.md), its question, county, language, the bot's guesses and the station types they point to,
  status open → claimed → answered → closed with its times, who claimed it, and the `handoff` event
  (`event_id`) and the reply that led to it (`reply_to`).
- `ticket_messages`: the specialist's answers and the firm's follow-ups.
- `ticket_notices`: what each side must be told, and its outcome. Each notice is written with its copy
  in the outbox (kind `ticket_notice`), delivered like broadcasts' copies by the channel process of the
  recipient (bot/handoff/notices.py on bot/delivery): nothing is lost on a restart, and a Telegram
  process can answer a WeCom firm through the WeCom process. A sent notice keeps the platform's
  message id, so a reply to it (Telegram) finds its ticket, and offers can be edited once claimed.
  A firm's notices carry the ticket's sealed address, opened only at delivery (bot/handoff/notices.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Sequence

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import parse_utc_iso, utc_iso
from bot.common.typed import fits_row_id, without_surrogates
from bot.common.vocab import OUT_OF_SCOPE
from bot.delivery.outbox import PENDING, SENDING, SENT, Outbox  # a notice's status is its copy's
from bot.storage.rows import insert_row

if TYPE_CHECKING:  # bot.storage.store imports this module for its migrations: no Engine import at run time
    from bot.answering.ports import Handoff

migrations = Migrations("tickets")

OPEN, CLAIMED, ANSWERED, CLOSED = "open", "claimed", "answered", "closed"
FIRM, SPECIALIST = "firm", "specialist"  # a message's author, a notice's recipient, who closed
FORGOTTEN = "forgotten"  # closed because the firm was erased

# Notice kinds. To specialists: a new ticket, the same after the claim timeout, claimed by someone else,
# closed before anyone claimed it, the firm's follow-up, closed by the firm. To the firm: claimed, an
# answer, closed by the specialist.
OFFER, ESCALATED, TAKEN, WITHDRAWN, FOLLOW_UP = "offer", "escalated", "taken", "withdrawn", "follow_up"
CLAIMED_NOTICE, ANSWER, CLOSED_NOTICE = "claimed", "answer", "closed"
UNREACHABLE = "unreachable"  # to the claimer: a message could not reach the firm
KEPT = "kept"  # to the claimer: a message to the firm waits until the firm writes (微信客服's session rules)
OFFERS = (OFFER, ESCALATED)

NOTICE_COPY = "ticket_notice"  # the outbox kind of a notice's copy


@migrations(name="001_tickets")
def _tickets(db: Database) -> None:
    db.table("tickets").create(
        {
            "id": int,
            "created": str,  # UTC ISO, like every time below
            "user": str,  # salted hash
            "channel": str,
            "chat_id": str,  # raw, to deliver the answer (003 seals it into `address`)
            "language": str,
            "question": str,
            "county": str,
            "topic": str,  # the best guess's topic, or out_of_scope
            "guesses": str,  # JSON [{intent, topic, title, score}]
            "station_types": str,  # JSON, of the best guess (routing)
            "status": str,
            "offered_at": str,
            "escalated_at": str,
            "claimed_by": str,  # <channel>:<specialist id>
            "claimed_at": str,
            "first_response_at": str,
            "closed_at": str,
            "closed_by": str,  # firm, specialist, or forgotten (/forget)
            "event_id": int,  # the handoff event
            "reply_to": int,  # the event of the reply that led to it
            "internal": int,
        },
        pk="id",
    )
    db.table("tickets").create_index(["status"])
    db.table("tickets").create_index(["user"])
    db.table("tickets").create_index(["created"])
    db.table("ticket_messages").create(
        {"id": int, "ticket_id": int, "time": str, "author": str, "actor": str, "text": str},
        pk="id", foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db.table("ticket_messages").create_index(["ticket_id"])
    db.table("ticket_notices").create(
        {
            "id": int, "ticket_id": int, "created": str, "channel": str, "chat_id": str, "role": str,
            "kind": str, "body": str, "status": str, "attempts": int, "sent_at": str, "message_id": str,
        },
        pk="id", foreign_keys=[("ticket_id", "tickets", "id")],
    )
    db.table("ticket_notices").create_index(["channel", "status"])
    db.table("ticket_notices").create_index(["channel", "chat_id", "message_id"])
    db.table("ticket_notices").create_index(["ticket_id"])


@migrations(name="002_pending_questions_to_tickets")
def _from_pending_questions(db: Database) -> None:
    """The core kept handed-off questions in `pending_questions`: they become open tickets (offered by
    the next check), with county and language from their handoff event and the chat from the profile."""
    if "pending_questions" not in db.table_names():
        return
    firms = "firms" in db.table_names()
    chat = "(select chat_id from firms f where f.user = p.user)" if firms else "null"
    db.execute(
        f"""insert into tickets (created, user, channel, chat_id, language, question, county, topic,
                guesses, station_types, status, event_id, reply_to, internal)
            select p.time, p.user, p.channel, {chat}, coalesce(e.language, 'zh'), p.question, e.county,
                '{OUT_OF_SCOPE}', '[]', '[]', '{OPEN}', p.event_id, e.reply_to, coalesce(e.internal, 0)
            from pending_questions p left join events e on e.id = p.event_id order by p.id"""
    )
    db["pending_questions"].drop()


@migrations(name="003_ticket_addresses")
def _addresses(db: Database) -> None:
    """The firm's chat becomes `address`, sealed under the salt. Sealing needs the salt, which the
    database must not hold: raw chat ids of earlier tickets are sealed, and `chat_id` dropped, when a
    desk first opens (`seal_addresses`); without any, the column goes now."""
    db.table("tickets").add_column("address", str)
    if not db.execute("select 1 from tickets where chat_id is not null limit 1").fetchone():
        db.execute("alter table tickets drop column chat_id")


@migrations(name="004_notices_into_outbox")
def _into_outbox(db: Database) -> None:
    """Notices were delivered from their own queue: each one still to be sent gets its outbox copy (one
    left `sending` by a stopped process is marked repeated, as the outbox does), and stays pending."""
    db.execute(
        "insert into outbox (kind, ref, channel, chat_id, status, attempts, repeated, created, next_attempt)"
        " select ?, id, channel, chat_id, ?, attempts, status = ?, created, created from ticket_notices"
        " where status in (?, ?) order by id",
        [NOTICE_COPY, PENDING, SENDING, PENDING, SENDING],
    )
    db.execute("update ticket_notices set status = ? where status = ?", [PENDING, SENDING])


def seal_addresses(db: Database, seal: Callable[[str], str]) -> None:
    """Seal the raw chat ids an earlier version kept (tickets and the firm's notices), then drop
    `tickets.chat_id`. Once per database: a no-op when the column is gone."""
    with db.atomic():
        if "chat_id" not in db["tickets"].columns_dict:
            return
        rows = db.execute("select id, chat_id from tickets where chat_id is not null").fetchall()
        for ticket_id, chat_id in rows:
            address = seal(chat_id)
            db.execute("update tickets set address = ? where id = ?", [address, ticket_id])
            db.execute("update outbox set chat_id = ? where kind = ? and ref in (select id from ticket_notices"
                       " where ticket_id = ? and role = ?)", [address, NOTICE_COPY, ticket_id, FIRM])
            db.execute("update ticket_notices set chat_id = ? where ticket_id = ? and role = ?",
                       [address, ticket_id, FIRM])
        db.execute("alter table tickets drop column chat_id")


def _time(value: str | None) -> datetime | None:
    return parse_utc_iso(value) if value else None


@dataclass(frozen=True)
class Guess:
    """One of the bot's candidate answers, as a specialist sees it."""

    intent: str
    topic: str
    title: str
    score: float


@dataclass(frozen=True)
class Ticket:
    id: int
    created: datetime
    user: str | None
    channel: str
    address: str | None  # the firm's chat, sealed (bot/storage/events.py `seal`); None once forgotten
    language: str
    question: str | None
    county: str | None
    topic: str
    guesses: tuple[Guess, ...]
    station_types: tuple[str, ...]
    status: str
    offered_at: datetime | None
    escalated_at: datetime | None
    claimed_by: str | None
    claimed_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    event_id: int | None
    reply_to: int | None
    internal: bool

    @classmethod
    def from_row(cls, row: dict) -> Ticket:
        times = ("created", "offered_at", "escalated_at", "claimed_at", "first_response_at", "closed_at")
        return cls(**{
            **{name: row[name] for name in cls.__dataclass_fields__ if name in row}, **{name: _time(row[name]) for name in times},
            "guesses": tuple(Guess(**g) for g in json.loads(row["guesses"] or "[]")),
            "station_types": tuple(json.loads(row["station_types"] or "[]")),
            "internal": bool(row["internal"]),
        })


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    time: datetime
    author: str  # firm or specialist
    actor: str | None  # the specialist's <channel>:<id>
    text: str


@dataclass(frozen=True)
class Notice:
    """One thing to tell one recipient about one ticket."""

    id: int
    ticket_id: int
    channel: str
    chat_id: str  # a specialist's chat; a firm's: its ticket's sealed address
    role: str  # firm or specialist
    kind: str
    body: str | None  # the message carried (an answer, a follow-up)
    attempts: int
    message_id: str | None


class Tickets:
    """Reads and changes tickets, their messages and notices; every state change is one atomic update."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.notices_queued = 0  # by this object so far: a channel that sees it grow has notices to deliver

    # ---- tickets ----------------------------------------------------------------------------

    def create(self, handoff: Handoff, address: str) -> Ticket:
        """An open ticket for a handed-off question (offered to specialists by the desk), answered in the
        chat sealed in `address`."""
        best = handoff.guesses[0].entry if handoff.guesses else None
        guesses = [
            {"intent": c.entry.id, "topic": c.entry.topic, "title": c.entry.title, "score": round(c.score, 1)}
            for c in handoff.guesses
        ]
        row = {
            "created": utc_iso(handoff.time), "user": handoff.user, "channel": handoff.channel,
            "address": address, "language": handoff.language, "question": handoff.question,
            "county": handoff.county, "topic": best.topic if best else OUT_OF_SCOPE,
            "guesses": json.dumps(guesses, ensure_ascii=False),
            "station_types": json.dumps(list(best.station_types) if best else []),
            "status": OPEN, "event_id": handoff.event_id, "reply_to": handoff.reply_to,
            "internal": int(handoff.internal),
        }
        with self.db.atomic():
            ticket = self.get(insert_row(self.db.table("tickets"), row))
        assert ticket is not None, "the ticket was written in this transaction"
        return ticket

    def get(self, ticket_id: int) -> Ticket | None:
        if not fits_row_id(ticket_id):
            return None
        row = next(self.db.query("select * from tickets where id = ?", [ticket_id]), None)
        return Ticket.from_row(row) if row else None

    def _where(self, sql: str, params: list | None = None) -> list[Ticket]:
        return [Ticket.from_row(r) for r in self.db.query(f"select * from tickets where {sql}", params or [])]

    def unoffered(self) -> list[Ticket]:
        """Open tickets never offered to anyone (the desk was interrupted, or they came from the core)."""
        return self._where("status = ? and offered_at is null order by id", [OPEN])

    def waiting(self) -> list[Ticket]:
        """Offered, unclaimed and not yet escalated tickets."""
        return self._where("status = ? and offered_at is not null and escalated_at is null order by id", [OPEN])

    def active_of(self, user: str) -> list[Ticket]:
        """The firm's tickets that are not closed, the most recent first."""
        return self._where("user = ? and status != ? order by id desc", [user, CLOSED])

    def of_staff(self, staff_key: str) -> list[Ticket]:
        """Open tickets (anyone may claim) and those this specialist claimed, not closed, oldest first."""
        return self._where("status = ? or (claimed_by = ? and status != ?) order by id", [OPEN, staff_key, CLOSED])

    def _update(self, ticket_id: int, assignments: str, condition: str, params: list) -> bool:
        """`update … set assignments where condition` for one ticket; `params` fill both, in order."""
        with self.db.atomic():
            cursor = self.db.execute(f"update tickets set {assignments} where {condition} and id = ?",
                                     [*params, ticket_id])
        return cursor.rowcount == 1

    def offer(self, ticket_id: int, staff: list[tuple[str, str]], kind: str, now: datetime) -> bool:
        """Offer (kind offer) or offer again after the timeout (escalated) an open ticket to each
        (channel, chat id), at most once per kind: False when another process already did."""
        column = "escalated_at" if kind == ESCALATED else "offered_at"
        with self.db.atomic():
            if not self._update(ticket_id, f"{column} = ?", f"status = ? and {column} is null", [utc_iso(now), OPEN]):
                return False
            for channel, chat_id in staff:
                self.notify(ticket_id, channel, chat_id, SPECIALIST, kind, now)
        return True

    def claim(self, ticket_id: int, staff_key: str, now: datetime) -> bool:
        """Claim an open ticket; False when someone else was first (or it is not open)."""
        return self._update(ticket_id, "status = ?, claimed_by = ?, claimed_at = ?", "status = ?",
                            [CLAIMED, staff_key, utc_iso(now), OPEN])

    def answered(self, ticket_id: int, now: datetime) -> None:
        """The claimer answered: status answered, the first response time kept from the first answer."""
        self._update(ticket_id, "status = ?, first_response_at = coalesce(first_response_at, ?)",
                     "status in (?, ?)", [ANSWERED, utc_iso(now), CLAIMED, ANSWERED])

    def close(self, ticket_id: int, by: str, now: datetime) -> bool:
        """Close a ticket that is not closed yet; False if it already was."""
        return self._update(ticket_id, "status = ?, closed_at = ?, closed_by = ?", "status != ?",
                            [CLOSED, utc_iso(now), by, CLOSED])

    # ---- messages ---------------------------------------------------------------------------

    def add_message(self, ticket_id: int, author: str, text: str, now: datetime, actor: str | None = None) -> None:
        """Keep one message of the conversation (an answer, a follow-up)."""
        with self.db.atomic():
            self.db.table("ticket_messages").insert(
                {"ticket_id": ticket_id, "time": utc_iso(now), "author": author, "actor": actor,
                 "text": without_surrogates(text)}
            )

    def thread(self, ticket_id: int) -> list[TicketMessage]:
        rows = self.db.query("select * from ticket_messages where ticket_id = ? order by id", [ticket_id])
        return [TicketMessage(**{**r, "time": _time(r["time"])}) for r in rows]

    # ---- notices ----------------------------------------------------------------------------

    def notify(self, ticket_id: int, channel: str, chat_id: str, role: str, kind: str, now: datetime,
               body: str | None = None) -> None:
        """Queue one notice, with its outbox copy, for delivery by `channel`."""
        with self.db.atomic():
            notice_id = insert_row(self.db.table("ticket_notices"), {
                "ticket_id": ticket_id, "created": utc_iso(now), "channel": channel, "chat_id": chat_id,
                "role": role, "kind": kind, "body": body and without_surrogates(body), "status": PENDING, "attempts": 0,
            })
            Outbox(self.db).enqueue(NOTICE_COPY, notice_id, channel, chat_id, now)
        self.notices_queued += 1

    def offered_to(self, ticket_id: int) -> list[tuple[str, str]]:
        """The (channel, chat id) of every specialist offered the ticket, in the order they were."""
        rows = self.db.execute(
            "select channel, chat_id from ticket_notices where ticket_id = ? and kind in (?, ?)"
            " group by channel, chat_id order by min(id)", [ticket_id, *OFFERS],
        ).fetchall()
        return [(channel, chat_id) for channel, chat_id in rows]

    def notice(self, notice_id: int) -> Notice | None:
        row = next(self.db.query("select * from ticket_notices where id = ?", [notice_id]), None)
        return _notice(row) if row else None

    def settled(self, notice_id: int, status: str, attempts: int, now: datetime, message_id: str | None = None) -> None:
        """Record a delivery's outcome (pending again: a retry is due later; sent, failed, blocked, or waiting
        for the firm to write)."""
        self.db.execute(
            "update ticket_notices set status = ?, attempts = ?, sent_at = ?, message_id = coalesce(?, message_id)"
            " where id = ?", [status, attempts, utc_iso(now) if status == SENT else None, message_id, notice_id],
        )

    def offer_messages(self, ticket_id: int, channel: str, chat_id: str) -> list[str]:
        """Platform message ids of the offers of a ticket sent to one chat (to edit them)."""
        rows = self.db.execute(
            "select message_id from ticket_notices where ticket_id = ? and channel = ? and chat_id = ?"
            " and kind in (?, ?) and status = ? and message_id is not null order by id",
            [ticket_id, channel, chat_id, *OFFERS, SENT],
        ).fetchall()
        return [row[0] for row in rows]

    def notice_for_message(self, channel: str, chats: Sequence[str], message_id: str) -> Notice | None:
        """The notice that a platform message in this chat carried; `chats` names the chat every way a
        notice may (raw for a specialist, sealed under each salt for a firm)."""
        row = next(self.db.query(
            f"select * from ticket_notices where channel = ? and chat_id in ({','.join('?' * len(chats))})"
            " and message_id = ? order by id desc",
            [channel, *chats, message_id],
        ), None)
        return _notice(row) if row else None


def _notice(row: dict) -> Notice:
    return Notice(**{k: row[k] for k in Notice.__dataclass_fields__})


def forget_tickets(db: Database, firm: str, user: str) -> None:
    """/forget: the firm's tickets keep their figures (topic, county, times) but lose the firm: user,
    chat and question go, the messages are deleted, anything still to be sent about them is dropped,
    and the ones not closed are closed by `forgotten` (no closing time: they were not resolved).
    An eraser (bot/storage/privacy.py)."""
    ids = [row[0] for row in db.execute("select id from tickets where user = ?", [user]).fetchall()]
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    dropped = [row[0] for row in db.execute(
        f"select id from ticket_notices where ticket_id in ({marks}) and (status = ? or role = ?)", [*ids, PENDING, FIRM])]
    Outbox(db).drop(NOTICE_COPY, dropped)
    db.execute(f"delete from ticket_messages where ticket_id in ({marks})", ids)
    db.execute(f"delete from ticket_notices where ticket_id in ({marks}) and (status = ? or role = ?)",
               [*ids, PENDING, FIRM])
    db.execute(f"update ticket_notices set body = null where ticket_id in ({marks})", ids)
    db.execute(f"update tickets set status = ?, closed_by = ? where id in ({marks}) and status != ?",
               [CLOSED, FORGOTTEN, *ids, CLOSED])
    db.execute(f"update tickets set user = null, address = null, question = null where id in ({marks})", ids)
