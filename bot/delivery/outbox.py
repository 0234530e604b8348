"""The outbox: every scheduled reminder (`broadcasts`) and every recipient's copy (`outbox`) is a row,
written before anything is sent, so a restart resumes what is pending and loses nothing.

A broadcast is `scheduled` until its time, then fanned out in one transaction into one `pending`
copy per recipient (unique per broadcast, channel and chat: overlapping audiences never give a
recipient two copies) and becomes `sending`; once every copy is final it is `sent`. A recurring
broadcast stays `scheduled` and each run is a new broadcast row (`parent_id`) with its own copies.
Copies go `pending` → `sending` (claimed just before the platform call) → `sent` | `failed` |
`blocked` | `waiting` (the platform's session rules refuse it for now, 微信客服's 48-hour window: `reopen`
makes it pending when the recipient writes); a copy found `sending` at start-up was in flight when the
sender stopped: it is sent again and counted in `repeated`.

The outbox carries other kinds of messages the same way (`kind`; a broadcast's copy is `broadcast`):
a capability writes a copy with `enqueue` pointing at its own row (`ref`, say a ticket notice) and
registers the kind with the dispatcher, which then sends it under the same limits, retries and recovery.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.clock import parse_utc_iso, utc_iso
from bot.common.schedule import ONCE, RECURRENCES, When, occurrence
from bot.storage.rows import insert_row

migrations = Migrations("reminders")

# broadcasts.kind and .status
BROADCAST, DEADLINE, CALENDAR = "broadcast", "deadline", "calendar"
KINDS = (BROADCAST, DEADLINE, CALENDAR)
SCHEDULED, SENDING, SENT, CANCELLED = "scheduled", "sending", "sent", "cancelled"
# outbox.status (SENDING and SENT as above)
PENDING, FAILED, BLOCKED = "pending", "failed", "blocked"
WAITING = "waiting"  # the platform's session rules refuse it now: pending again when the recipient writes
# outbox.kind of a broadcast's copy (other kinds are named by the capability that writes them)
COPY = "broadcast"
# Which one-line footer a copy carries (a key of bot/i18n/texts.py).
FOOTER_UNSUBSCRIBE, FOOTER_DEADLINES = "footer_unsubscribe", "footer_deadlines"


@migrations(name="001_broadcasts")
def _broadcasts(db: Database) -> None:
    db.table("broadcasts").create(
        {
            "id": int,
            "created": str,  # UTC ISO
            "scheduled_for": str,  # UTC ISO: when it goes out (for a recurring one: its next run)
            "kind": str,  # broadcast | deadline | calendar
            "topic": str,  # the topic it is about, when there is one
            "text": str,
            "text_en": str,  # English text for English-speaking firms (calendar, deadlines), else null
            "status": str,  # scheduled | sending | sent | cancelled
            "recurrence": str,  # once | weekly | monthly | yearly
            "first_run": str,  # UTC ISO: the first run, from which recurring runs are counted
            "runs": int,  # runs fired so far (recurring)
            "parent_id": int,  # the recurring broadcast this run belongs to
            "audience": str,  # JSON of Audience
            "footer": str,  # text key of the one-line footer
            "created_by": str,  # the specialist's raw id on `creator_channel` (staff, not firms)
            "creator_channel": str,
            "creator_chat": str,  # where the delivery report goes
            "creator_language": str,  # the report's language
            "user": str,  # the firm a deadline reminder is for (erased by /forget)
            "dedup_key": str,  # calendar:<event>:<year>, deadline:<id>:<point>: fired once only
            "fired_at": str,
            "recipients": int,  # copies written at fan-out
            "reported_pending": int,  # pending copies in the last report (null: no report yet)
            "finished_at": str,
        },
        pk="id",
        defaults={"runs": 0, "recurrence": ONCE},
    )
    db.table("broadcasts").create_index(["status", "scheduled_for"])
    db.table("broadcasts").create_index(["dedup_key"], unique=True)
    db.table("broadcasts").create_index(["user"])


@migrations(name="002_outbox")
def _outbox(db: Database) -> None:
    db.table("outbox").create(
        {
            "id": int,
            "broadcast_id": int,
            "channel": str,
            "chat_id": str,  # raw id, for delivery only
            "user": str,  # salted hash (erased by /forget)
            "language": str,
            "status": str,  # pending | sending | sent | failed | blocked
            "attempts": int,  # platform calls made
            "repeated": int,  # 1: in flight when a sender stopped, then sent again (may have arrived twice)
            "created": str,
            "sent_at": str,
            "claimed_at": str,
            "next_attempt": str,  # UTC ISO: not before (retry backoff, RetryAfter)
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("broadcast_id", "broadcasts", "id")],
        defaults={"attempts": 0, "repeated": 0},
    )
    db.table("outbox").create_index(["broadcast_id", "channel", "chat_id"], unique=True)
    db.table("outbox").create_index(["status", "channel", "next_attempt"])
    db.table("outbox").create_index(["user"])


@migrations(name="003_deadlines")
def _deadlines(db: Database) -> None:
    db.table("deadlines").create(
        {
            "id": int,
            "user": str,  # salted hash of the firm
            "kind": str,  # trademark | patent_fee | pledge_loan
            "due": str,  # the date as the firm states it (YYYY-MM-DD)
            "label": str,  # the firm's own name for it (registration number …), optional
            "created": str,
            "next_at": str,  # UTC ISO of its next reminder (null: none left)
        },
        pk="id",
    )
    db.table("deadlines").create_index(["user"])
    db.table("deadlines").create_index(["next_at"])


@migrations(name="004_outbox_kinds")
def _kinds(db: Database) -> None:
    """Copies of other kinds than broadcasts (ticket notices): `kind`, and `ref` to the kind's own row."""
    db.table("outbox").add_column("kind", str, not_null_default=COPY)
    db.table("outbox").add_column("ref", int)
    db.table("outbox").create_index(["kind", "ref"])


def forget_copies(db: Database, firm: str, user: str) -> None:
    """/forget: the firm's deadlines, its copies of broadcasts and its deadline reminders go (an eraser,
    bot/storage/privacy.py)."""
    for table in ("deadlines", "outbox", "broadcasts"):
        db.execute(f"delete from [{table}] where user = ?", [firm])


def iso(moment: datetime) -> str:
    """The outbox's time format: UTC ISO-8601 to the millisecond (sortable as text)."""
    return utc_iso(moment, "milliseconds")


@dataclass(frozen=True)
class Audience:
    """Who receives a broadcast: firms that accepted service notices and/or subscribers of topics
    (either makes a firm a recipient), optionally limited to counties and industries (a firm must be
    in one of them). With neither notices nor topics nor users, the firms that accepted notices.
    `users` names firms outright (a firm's own deadline reminder)."""

    notices: bool = False
    topics: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    @property
    def everyone_with_notices(self) -> bool:
        return self.notices or not (self.topics or self.users)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> Audience:
        data: dict[str, Any] = json.loads(raw or "{}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition on `firms f` (active firms with a chat) and its parameters."""
        base: list[str] = []
        params: list[Any] = []
        if self.everyone_with_notices:
            base.append("f.notices = 1")
        if self.topics:
            base.append(f"f.user in (select user from subscriptions where topic in ({_marks(self.topics)}))")
            params += self.topics
        if self.users:
            base.append(f"f.user in ({_marks(self.users)})")
            params += self.users
        clauses = ["f.active = 1", "f.chat_id is not null", "(" + " or ".join(base) + ")"]
        for column, values in (("county", self.counties), ("industry", self.industries)):
            if values:
                clauses.append(f"f.{column} in ({_marks(values)})")
                params += values
        return " and ".join(clauses), params


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


@dataclass(frozen=True)
class Delivery:
    """Where the copies of one broadcast stand."""

    delivered: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0  # pending or in flight
    waiting: int = 0  # until the recipient writes again (微信客服's session window)
    repeated: int = 0  # delivered again after a stopped sender (may have arrived twice)

    @property
    def total(self) -> int:
        return self.delivered + self.failed + self.blocked + self.pending + self.waiting


@dataclass(frozen=True)
class Creator:
    """The specialist who made a broadcast, and the chat the delivery report goes to."""

    channel: str
    actor: str
    chat: str
    language: str = "zh"


@dataclass(frozen=True)
class Broadcast:
    id: int
    kind: str
    status: str
    text: str
    scheduled_for: datetime
    recurrence: str = ONCE
    topic: str | None = None
    audience: Audience = field(default_factory=Audience)
    recipients: int | None = None
    parent_id: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Broadcast:
        return cls(
            id=row["id"],
            kind=row["kind"],
            status=row["status"],
            text=row["text"],
            scheduled_for=parse_utc_iso(row["scheduled_for"]),
            recurrence=row["recurrence"] or ONCE,
            topic=row["topic"],
            audience=Audience.from_json(row["audience"]),
            recipients=row["recipients"],
            parent_id=row["parent_id"],
        )


class Outbox:
    """Broadcasts and their copies in the bot's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- writing broadcasts -----------------------------------------------------------------

    def create(
        self,
        *,
        kind: str,
        text: str,
        audience: Audience,
        when: When,
        now: datetime,
        topic: str | None = None,
        text_en: str | None = None,
        footer: str = FOOTER_UNSUBSCRIBE,
        creator: Creator | None = None,
        user: str | None = None,
        dedup_key: str | None = None,
    ) -> int | None:
        """Schedule a broadcast (at `when.first`, or now); None when `dedup_key` was used before."""
        if kind not in KINDS or when.recurrence not in RECURRENCES:
            raise ValueError(f"bad broadcast kind {kind!r} or recurrence {when.recurrence!r}")
        first = iso(when.first or now)
        row = {
            "created": iso(now),
            "scheduled_for": first,
            "first_run": first,
            "kind": kind,
            "topic": topic,
            "text": text,
            "text_en": text_en,
            "status": SCHEDULED,
            "recurrence": when.recurrence,
            "runs": 0,
            "audience": audience.to_json(),
            "footer": footer,
            "user": user,
            "dedup_key": dedup_key,
            "created_by": creator.actor if creator else None,
            "creator_channel": creator.channel if creator else None,
            "creator_chat": creator.chat if creator else None,
            "creator_language": creator.language if creator else None,
        }
        columns = ", ".join(row)
        with self.db.atomic():
            cursor = self.db.execute(
                f"insert or ignore into broadcasts ({columns}) values ({_marks(list(row))})",
                list(row.values()),
            )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def cancel(self, broadcast_id: int, now: datetime) -> bool:
        """Cancel a broadcast that has not gone out (or a recurring one's future runs)."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update broadcasts set status = ?, finished_at = ? where id = ? and status = ?",
                [CANCELLED, iso(now), broadcast_id, SCHEDULED],
            )
        return cursor.rowcount == 1

    def enqueue(self, kind: str, ref: int, channel: str, chat_id: str, now: datetime) -> int:
        """A pending copy of another kind than a broadcast (`ref`: its row in the kind's own table), sent
        by the dispatcher that has the kind registered. Inside the caller's transaction, if any."""
        return insert_row(self.db.table("outbox"), {
            "kind": kind, "ref": ref, "channel": channel, "chat_id": chat_id, "status": PENDING, "attempts": 0,
            "repeated": 0, "created": iso(now), "next_attempt": iso(now),
        })

    def drop(self, kind: str, refs: Sequence[int]) -> None:
        """Delete the copies of these rows of a kind (their rows are being erased)."""
        self.db.execute(f"delete from outbox where kind = ? and ref in ({_marks(refs)})", [kind, *refs])

    # ---- firing -----------------------------------------------------------------------------

    def due(self, now: datetime) -> list[int]:
        """Ids of scheduled broadcasts whose time has come, oldest first."""
        rows = self.db.query(
            "select id from broadcasts where status = ? and scheduled_for <= ? order by scheduled_for, id",
            [SCHEDULED, iso(now)],
        )
        return [row["id"] for row in rows]

    def fire(self, broadcast_id: int, now: datetime) -> int | None:
        """Fan a due broadcast out into one pending copy per recipient, in one transaction; returns the
        id of the broadcast that now carries the copies (a new run row for a recurring one), or None if
        another process fired it first or it is no longer scheduled."""
        row = self.db.table("broadcasts").get(broadcast_id)
        if row["status"] != SCHEDULED or parse_utc_iso(row["scheduled_for"]) > now:
            return None
        with self.db.atomic():
            if row["recurrence"] == ONCE:
                claimed = (
                    self.db.execute(
                        "update broadcasts set status = ?, fired_at = ? where id = ? and status = ?",
                        [SENDING, iso(now), broadcast_id, SCHEDULED],
                    ).rowcount
                    == 1
                )
                target = broadcast_id
            else:
                claimed, target = self._next_run(row, now)
            if not claimed:
                return None
            recipients = self._fan_out(target, Audience.from_json(row["audience"]), now)
            self.db.execute("update broadcasts set recipients = ? where id = ?", [recipients, target])
        return target

    def _next_run(self, row: dict[str, Any], now: datetime) -> tuple[bool, int]:
        """Advance a recurring broadcast past `now` (missed runs are sent once, not each) and write
        this run as its own broadcast row. Inside the caller's transaction."""
        first, runs = parse_utc_iso(row["first_run"]), row["runs"]
        number = runs + 1
        while occurrence(first, row["recurrence"], number) <= now:
            number += 1
        claimed = (
            self.db.execute(
                "update broadcasts set runs = ?, scheduled_for = ? where id = ? and status = ? and runs = ?",
                [number, iso(occurrence(first, row["recurrence"], number)), row["id"], SCHEDULED, runs],
            ).rowcount
            == 1
        )
        if not claimed:
            return False, 0
        run = {
            k: row[k]
            for k in (
                "kind",
                "topic",
                "text",
                "text_en",
                "audience",
                "footer",
                "created_by",
                "creator_channel",
                "creator_chat",
                "creator_language",
                "user",
            )
        }
        run.update(
            created=iso(now),
            scheduled_for=row["scheduled_for"],
            first_run=row["scheduled_for"],
            status=SENDING,
            recurrence=ONCE,
            runs=0,
            parent_id=row["id"],
            fired_at=iso(now),
        )
        return True, insert_row(self.db.table("broadcasts"), run)

    def _fan_out(self, broadcast_id: int, audience: Audience, now: datetime) -> int:
        where, params = audience.where()
        cursor = self.db.execute(
            "insert or ignore into outbox (broadcast_id, channel, chat_id, user, language, status, attempts,"
            " repeated, created, next_attempt)"
            " select distinct ?, f.channel, f.chat_id, f.user, f.language, ?, 0, 0, ?, ?"
            f" from firms f where {where}",
            [broadcast_id, PENDING, iso(now), iso(now), *params],
        )
        return cursor.rowcount

    def finish_sent(self, now: datetime) -> int:
        """Broadcasts whose every copy is final become `sent`."""
        with self.db.atomic():
            return self.db.execute(
                "update broadcasts set status = ?, finished_at = ?"
                " where status = ? and recipients is not null and not exists"
                " (select 1 from outbox o where o.broadcast_id = broadcasts.id"
                " and o.status in (?, ?))",
                [SENT, iso(now), SENDING, PENDING, SENDING],
            ).rowcount

    # ---- reading ----------------------------------------------------------------------------

    def count_recipients(self, audience: Audience) -> int:
        """How many distinct chats the audience reaches right now (the preview's count)."""
        where, params = audience.where()
        row = next(
            self.db.query(
                "select count(*) as n from"
                f" (select distinct f.channel, f.chat_id from firms f where {where})",
                params,
            )
        )
        return row["n"]

    def get(self, broadcast_id: int) -> Broadcast | None:
        row = next(self.db.query("select * from broadcasts where id = ?", [broadcast_id]), None)
        return Broadcast.from_row(row) if row else None

    def upcoming(self, kinds: Iterable[str] = (BROADCAST, CALENDAR)) -> list[Broadcast]:
        """Scheduled (not yet sent) and sending broadcasts of these kinds, soonest first."""
        kinds = tuple(kinds)
        rows = self.db.query(
            f"select * from broadcasts where status in (?, ?) and kind in ({_marks(kinds)})"
            " order by status = ?, scheduled_for, id",
            [SCHEDULED, SENDING, *kinds, SCHEDULED],
        )
        return [Broadcast.from_row(row) for row in rows]

    def delivery(self, broadcast_id: int) -> Delivery:
        """Copies of the broadcast by outcome."""
        rows = self.db.query(
            "select status, count(*) as n, sum(repeated > 0 and status = ?) as again from outbox"
            " where broadcast_id = ? group by status",
            [SENT, broadcast_id],
        )
        counts = {row["status"]: (row["n"], row["again"] or 0) for row in rows}
        return Delivery(
            delivered=counts.get(SENT, (0, 0))[0],
            failed=counts.get(FAILED, (0, 0))[0],
            blocked=counts.get(BLOCKED, (0, 0))[0],
            pending=counts.get(PENDING, (0, 0))[0] + counts.get(SENDING, (0, 0))[0],
            waiting=counts.get(WAITING, (0, 0))[0],
            repeated=counts.get(SENT, (0, 0))[1],
        )

    def reopen(self, channel: str, chats: Sequence[str], now: datetime) -> int:
        """The recipient wrote again: its waiting copies of every kind are due now (no write when none
        waits). `chats` names its chat every way a copy may (raw, and sealed for a ticket's notices)."""
        where = f"status = ? and channel = ? and chat_id in ({_marks(chats)})"
        if not chats or not self.db["outbox"].count_where(where, [WAITING, channel, *chats]):
            return 0
        with self.db.atomic():
            return self.db.execute(
                f"update outbox set status = ?, next_attempt = ? where {where}",
                [PENDING, iso(now), WAITING, channel, *chats],
            ).rowcount

    # ---- after a stop -----------------------------------------------------------------------

    def recover(self, channels: Iterable[str], kinds: Iterable[str] = (COPY,)) -> int:
        """Copies of these channels and kinds left `sending` by a stopped sender go back to pending,
        marked `repeated` (they may already have arrived). Run once at start-up, before delivering."""
        channels, kinds = tuple(channels), tuple(kinds)
        with self.db.atomic():
            return self.db.execute(
                "update outbox set status = ?, repeated = 1"
                f" where status = ? and channel in ({_marks(channels)}) and kind in ({_marks(kinds)})",
                [PENDING, SENDING, *channels, *kinds],
            ).rowcount
