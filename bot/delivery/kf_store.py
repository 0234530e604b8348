"""What the 微信客服 (WeCom customer service, channel `wecom_kf`) channel keeps in the database.

- `kf_accounts`: one row per kf account (`open_kfid`): the `kf/sync_msg` cursor, and a lease (holder and
  expiry) so that only one process at a time pulls, answers and sends for an account.
- `kf_inbox`: every pulled message, unique by the platform's `msgid`, written in the same transaction as
  the cursor that follows it (nothing lost, nothing taken twice); `new` until answered, then `done` with
  its content dropped (the row stays, to recognise the msgid for the 3 days the platform keeps messages).
- `kf_replies`: the answers, written in the same transaction that marks their message `done`, each with
  the `msgid` it is sent with (derived from the inbound msgid): a send repeated after a crash carries
  the same msgid, which the platform refuses, so the firm never gets an answer twice. `pending` →
  sent (then deleted: it quotes the answer) | `waiting` (the session rules refuse it now: pending again
  when the firm next writes) | `failed` (kept 4 days for the log's sake).
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.delivery.outbox import FAILED, PENDING, SENT, WAITING, iso  # a reply's statuses are a copy's

migrations = Migrations("wecom_kf")

CHANNEL = "wecom_kf"  # the channel id of 微信客服's firms (events, profiles, outbox copies)
NEW, DONE = "new", "done"  # kf_inbox.status
KEEP_MESSAGES = timedelta(days=4)  # the platform keeps messages 3 days: their msgids are kept a day longer
MSGID_BYTES = 32  # kf/send_msg: msgid of at most 32 bytes of [0-9a-zA-Z_-]


@migrations(name="001_kf_tables")
def _tables(db: Database) -> None:
    db.table("kf_accounts").create(
        {"open_kfid": str, "cursor": str, "holder": str, "lease_until": str}, pk="open_kfid",
    )
    db.table("kf_inbox").create(
        {"id": int, "open_kfid": str, "msgid": str, "user": str, "payload": str, "status": str,
         "received": str},
        pk="id",
    )
    db.table("kf_inbox").create_index(["open_kfid", "msgid"], unique=True)
    db.table("kf_inbox").create_index(["open_kfid", "status"])
    db.table("kf_inbox").create_index(["user"])
    db.table("kf_replies").create(
        {"id": int, "msgid": str, "open_kfid": str, "user": str, "body": str, "status": str, "attempts": int,
         "created": str, "last_error": str},
        pk="id", defaults={"attempts": 0},
    )
    db.table("kf_replies").create_index(["open_kfid", "msgid"], unique=True)
    db.table("kf_replies").create_index(["open_kfid", "status"])
    db.table("kf_replies").create_index(["user"])
    db.table("meta").insert({"key": "kf_msgid_prefix", "value": secrets.token_hex(3)}, replace=True)


@dataclass(frozen=True)
class Inboxed:
    """A pulled message not answered yet."""

    id: int
    open_kfid: str
    msgid: str
    message: dict[str, Any]


@dataclass(frozen=True)
class Outgoing:
    """A reply to send: the platform message (`msgtype` and its body) and the msgid it goes with."""

    id: int
    msgid: str
    open_kfid: str
    user: str
    body: dict[str, Any]


def reply_msgid(prefix: str, source: str, number: int) -> str:
    """The msgid of the `number`th message sent for `source` (an inbound msgid, an outbox copy, a notice):
    the same on every retry, unique per database (`prefix`), within the platform's 32 bytes."""
    digest = hashlib.sha1(source.encode()).hexdigest()[: MSGID_BYTES - len(prefix) - 4]
    return f"{prefix}{digest}_{number}"[:MSGID_BYTES]


class KfStore:
    """The kf channel's cursor, lease, inbox and replies (see the module doc)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        row = next(db.query("select value from meta where key = 'kf_msgid_prefix'"), None)
        self.msgid_prefix = row["value"] if row else ""

    # ---- the lease and the cursor --------------------------------------------------------------

    def lease(self, open_kfid: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or renew) the account's lease for `ttl`; False while another holder's lease runs."""
        with self.db.atomic():
            self.db.execute("insert or ignore into kf_accounts (open_kfid, cursor) values (?, '')",
                            [open_kfid])
            return self.db.execute(
                "update kf_accounts set holder = ?, lease_until = ? where open_kfid = ?"
                " and (holder is null or holder = ? or lease_until <= ?)",
                [holder, iso(now + ttl), open_kfid, holder, iso(now)],
            ).rowcount == 1

    def release(self, open_kfid: str, holder: str) -> None:
        with self.db.atomic():
            self.db.execute("update kf_accounts set holder = null, lease_until = null"
                            " where open_kfid = ? and holder = ?", [open_kfid, holder])

    def accounts(self) -> list[str]:
        """The kf accounts seen so far (pulled at start-up to catch up)."""
        rows = self.db.query("select open_kfid from kf_accounts order by open_kfid")
        return [row["open_kfid"] for row in rows]

    def cursor(self, open_kfid: str) -> str:
        row = next(self.db.query("select cursor from kf_accounts where open_kfid = ?", [open_kfid]), None)
        return row["cursor"] or "" if row else ""

    def take_batch(self, open_kfid: str, holder: str, cursor: str, messages: Iterable[dict[str, Any]],
                   user_of: Any, now: datetime) -> int:
        """Store a pulled page and move the cursor past it, in one transaction, while `holder` holds the
        lease; a msgid seen before is skipped. Returns how many messages were new."""
        added = 0
        with self.db.atomic():
            if not self._holds(open_kfid, holder, now):
                raise LeaseLost(open_kfid)
            for message in messages:
                added += self.db.execute(
                    "insert or ignore into kf_inbox (open_kfid, msgid, user, payload, status, received)"
                    " values (?, ?, ?, ?, ?, ?)",
                    [open_kfid, str(message.get("msgid", "")), user_of(message),
                     json.dumps(message, ensure_ascii=False), NEW, iso(now)],
                ).rowcount
            self.db.execute("update kf_accounts set cursor = ? where open_kfid = ?", [cursor, open_kfid])
        return added

    def _holds(self, open_kfid: str, holder: str, now: datetime) -> bool:
        row = next(self.db.query("select holder, lease_until from kf_accounts where open_kfid = ?",
                                 [open_kfid]), None)
        return row is not None and row["holder"] == holder and row["lease_until"] > iso(now)

    # ---- answering -------------------------------------------------------------------------------

    def unanswered(self, open_kfid: str, limit: int = 100) -> list[Inboxed]:
        rows = self.db.query(
            "select id, open_kfid, msgid, payload from kf_inbox where open_kfid = ? and status = ?"
            " order by id limit ?", [open_kfid, NEW, limit])
        return [Inboxed(r["id"], r["open_kfid"], r["msgid"], json.loads(r["payload"])) for r in rows]

    def answered(self, inboxed: Inboxed, user: str, bodies: list[dict[str, Any]], now: datetime) -> None:
        """The message is answered with `bodies`: they are queued (msgids from the inbound msgid) and the
        message marked done with its content dropped, in one transaction."""
        with self.db.atomic():
            self.queue(inboxed.open_kfid, user, f"in:{inboxed.msgid}", bodies, now)
            self.db.execute("update kf_inbox set status = ?, payload = null, user = '' where id = ?",
                            [DONE, inboxed.id])
            old = iso(now - KEEP_MESSAGES)
            self.db.execute("delete from kf_inbox where status = ? and received < ?", [DONE, old])
            self.db.execute("delete from kf_replies where status = ? and created < ?", [FAILED, old])

    def queue(self, open_kfid: str, user: str, source: str, bodies: list[dict[str, Any]],
              now: datetime) -> None:
        """Queue messages for `user`; queueing the same `source` again adds nothing."""
        with self.db.atomic():
            for number, body in enumerate(bodies):
                self.db.execute(
                    "insert or ignore into kf_replies"
                    " (msgid, open_kfid, user, body, status, attempts, created) values (?, ?, ?, ?, ?, 0, ?)",
                    [reply_msgid(self.msgid_prefix, source, number), open_kfid, user,
                     json.dumps(body, ensure_ascii=False), PENDING, iso(now)],
                )

    # ---- sending ---------------------------------------------------------------------------------

    def outgoing(self, open_kfid: str, limit: int = 100) -> list[Outgoing]:
        rows = self.db.query(
            "select * from kf_replies where open_kfid = ? and status = ? order by id limit ?",
            [open_kfid, PENDING, limit])
        return [Outgoing(r["id"], r["msgid"], r["open_kfid"], r["user"], json.loads(r["body"])) for r in rows]

    def settle(self, outcomes: list[tuple[int, str, str | None]]) -> None:
        """Replies' outcomes (id, status, error), in one transaction: one sent is deleted (it quotes the
        answer), the others are kept. Recorded after a batch of sends: a crash before repeats them with
        their msgids, which the platform refuses."""
        with self.db.atomic():
            for reply_id, status, error in outcomes:
                if status == SENT:
                    self.db.execute("delete from kf_replies where id = ?", [reply_id])
                else:
                    self.db.execute(
                        "update kf_replies set status = ?, last_error = ?, attempts = attempts + 1"
                        " where id = ?",
                        [status, error, reply_id])

    def reopen(self, open_kfid: str, user: str) -> int:
        """The firm wrote again (the window reopened): its waiting replies go back to pending (no write when
        none waits)."""
        if not self.db["kf_replies"].count_where("open_kfid = ? and user = ? and status = ?",
                                                 [open_kfid, user, WAITING]):
            return 0
        with self.db.atomic():
            return self.db.execute(
                "update kf_replies set status = ? where open_kfid = ? and user = ? and status = ?",
                [PENDING, open_kfid, user, WAITING]).rowcount

    # ---- /forget ---------------------------------------------------------------------------------


def forget_messages(db: Database, firm: str, user: str) -> None:
    """/forget (an eraser, bot/storage/privacy.py; before the profile goes): the rows of the firm's 微信客服
    chat, named in its profile."""
    rows = db.execute("select chat_id from firms where user = ? and channel = ?", [firm, CHANNEL]).fetchall()
    for (chat_id,) in rows:
        _forget_chat(db, chat_id)


def _forget_chat(db: Database, chat_id: str) -> None:
    """A chat's queued replies go and its pulled messages lose their content (the msgids stay, contentless,
    so a re-delivery is still recognised)."""
    db.execute("delete from kf_replies where user = ?", [chat_id])
    db.execute("update kf_inbox set payload = null, status = ?, user = '' where user = ?", [DONE, chat_id])


class LeaseLost(RuntimeError):
    """Another process took the account's lease (ours ran out): this process stops pulling it."""
