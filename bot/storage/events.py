"""The event log: one row per handled message, choice, fallback and (later) feedback or referral."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from bot.common.clock import utc_iso

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

INTERNAL_CHANNELS = frozenset({"cli", "test"})
FEEDBACK_KIND = "feedback"  # detail {"value": "up" | "down"} (also in the column `rating`), reply_to = the rated answer
ASKED = "asked"  # a question event's detail {"asked": …}: the question as the firm wrote it (for /gaps)
REFERRAL_KIND = "referral"  # detail {station, type, county, topic, ...} (bot/stations/referrals.py)
# A referral's station as bot/stations/referrals.py writes it; the station_id/station_type spelling of the
# feature brief is read too. Each is a column of its own as well (`referral_*`), so an index can hold it.
REFERRAL_STATION = "coalesce(detail ->> '$.station', detail ->> '$.station_id')"
REFERRAL_TYPE = "coalesce(detail ->> '$.type', detail ->> '$.station_type')"
REFERRAL_COLUMNS = {  # column → its value, as SQL over the event's detail and columns
    "referral_station": REFERRAL_STATION,
    "referral_type": REFERRAL_TYPE,
    "referral_county": "coalesce(detail ->> '$.county', county)",
    "referral_topic": "coalesce(detail ->> '$.topic', topic)",
}


def forget_events(db: Database, firm: str, user: str) -> None:
    """/forget: past events keep their counts but lose the user's pseudonym, the question and its wording
    as written (an eraser, bot/storage/privacy.py; listed last, as other erasers find rows by `user`)."""
    db.execute("update events set detail = null where user = ? and kind = 'question'", [user])
    db.execute("update events set user = null, question = null where user = ?", [user])


def salt_id(secret: str) -> str:
    """A salt's id, stored in front of every pseudonym made with it (it reveals nothing of the salt)."""
    return hashlib.sha256(f"salt-id:{secret}".encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Salts:
    """Pseudonymisation secrets: the first makes new pseudonyms, all of them are searched by /forget."""

    secrets: tuple[str, ...]

    @classmethod
    def parse(cls, value: str, extra: str | None = None) -> Salts:
        """`BOT_SALT` (comma-separated, current first) plus an `extra` older one, without repeats."""
        listed = [s.strip() for s in value.split(",") if s.strip()] + ([extra] if extra else [])
        return cls(tuple(dict.fromkeys(listed)))


FIRM_ROLE = "firm:"  # the firm tables' pseudonym: events and tickets never hold it


def pseudonym(salt: str, channel: str, user_id: str, role: str = "") -> str:
    """A salted hash of a channel user id, behind the salt's id; the raw id never reaches the events table.
    `role` FIRM_ROLE makes the firm tables' key, which cannot be joined to events without the salt."""
    digest = hashlib.sha256(f"{salt}:{role}{channel}:{user_id}".encode()).hexdigest()[:32]
    return f"{salt_id(salt)}.{digest}"


def seal(salt: str, value: str) -> str:
    """`value` (a chat id) encrypted under a key made from the salt, behind the salt's id: only a process
    that knows the salt reads it back. Deterministic (AES-SIV): the same chat always seals the same."""
    sealed = _sealer(salt).encrypt(value.encode(), None)
    return f"{salt_id(salt)}.{base64.urlsafe_b64encode(sealed).decode()}"


def unseal(salts: Salts, sealed: str) -> str | None:
    """The value `seal` sealed, or None when no salt of `salts` made it (dropped too early) or it is damaged."""
    from cryptography.exceptions import InvalidTag  # imported by sealing only: `ask` starts without it

    made_by, _, body = sealed.partition(".")
    secret = next((s for s in salts.secrets if salt_id(s) == made_by), None)
    if secret is None:
        return None
    try:
        return _sealer(secret).decrypt(base64.urlsafe_b64decode(body), None).decode()
    except (InvalidTag, binascii.Error, ValueError):
        return None


def _sealer(salt: str) -> AESSIV:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV  # imported by sealing only (as above)

    return AESSIV(hashlib.sha512(f"seal:{salt}".encode()).digest())


@dataclass(frozen=True)
class EventLog:
    db: Database
    salt: Salts | str  # a plain string: one salt (tests)

    @property
    def salts(self) -> Salts:
        return self.salt if isinstance(self.salt, Salts) else Salts.parse(self.salt)

    def user(self, channel: str, user_id: str) -> str:
        return pseudonym(self.salts.secrets[0], channel, user_id)

    def firm(self, channel: str, user_id: str) -> str:
        """The key of the user's rows in the firm tables (firms, subscriptions, deadlines, outbox)."""
        return pseudonym(self.salts.secrets[0], channel, user_id, FIRM_ROLE)

    def every_user(self, channel: str, user_id: str) -> list[str]:
        """The user's event pseudonym under every salt, the current first (what /forget must erase)."""
        return [pseudonym(secret, channel, user_id) for secret in self.salts.secrets]

    def every_firm(self, channel: str, user_id: str) -> list[str]:
        """The user's firm key under every salt, the current first."""
        return [pseudonym(secret, channel, user_id, FIRM_ROLE) for secret in self.salts.secrets]

    def seal(self, chat_id: str) -> str:
        """The chat id as tickets keep it: sealed under the current salt (see `seal`)."""
        return seal(self.salts.secrets[0], chat_id)

    def every_seal(self, chat_id: str) -> list[str]:
        """The chat id sealed under every salt, the current first (to find what an earlier salt sealed)."""
        return [seal(secret, chat_id) for secret in self.salts.secrets]

    def unseal(self, sealed: str) -> str | None:
        return unseal(self.salts, sealed)

    def record(
        self,
        kind: str,
        *,
        time: datetime,
        channel: str,
        user: str,
        internal: bool = False,
        detail: dict[str, Any] | None = None,
        **fields: Any,
    ) -> int:
        """Write one event (time stored in UTC) and return its id."""
        row = {
            "kind": kind,
            "time": utc_iso(time),
            "channel": channel,
            "user": user,
            "internal": int(internal or channel in INTERNAL_CHANNELS),
            "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
            **fields,
        }
        if kind == FEEDBACK_KIND and detail:
            row["rating"] = detail.get("value")  # a column too, so the report's index holds it
        if kind == REFERRAL_KIND and detail:
            row.update(referral_columns(detail, fields))
        if self.db.conn.in_transaction:  # the handled message's transaction: one INSERT is atomic on its own
            return self._insert(row)
        with self.db.atomic():
            return self._insert(row)

    def _insert(self, row: dict[str, Any]) -> int:
        """One prepared INSERT (no sqlite-utils schema look-ups); the new event's id."""
        event_id = self.db.execute(_insert_sql(tuple(row)), list(row.values())).lastrowid
        assert event_id is not None, "an INSERT into events always gives a row id"
        return event_id


def referral_columns(detail: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A referral's station, station type, county and topic as columns: what REFERRAL_COLUMNS reads from
    its detail, else from its own columns (the first that is not null)."""

    def first(*values: Any) -> Any:
        return next((value for value in values if value is not None), None)

    return {
        "referral_station": first(detail.get("station"), detail.get("station_id")),
        "referral_type": first(detail.get("type"), detail.get("station_type")),
        "referral_county": first(detail.get("county"), fields.get("county")),
        "referral_topic": first(detail.get("topic"), fields.get("topic")),
    }


@lru_cache(maxsize=64)
def _insert_sql(columns: tuple[str, ...]) -> str:
    """The INSERT for an event with these columns: one text per column set, so SQLite prepares it once
    (sqlite3's statement cache), with none of sqlite-utils' schema look-ups before each insert."""
    names = ", ".join(f'"{column}"' for column in columns)
    return f"insert into events ({names}) values ({', '.join('?' * len(columns))})"
