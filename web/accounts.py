"""Web console accounts: name, role (bureau or specialist), the specialist's chat identity, a scrypt
password hash with its own salt, disabled or not. Every change is audited (bot/storage/audit.py)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.common.settings_handoff import Staff
from bot.storage.audit import record_audit

migrations = Migrations("web")

BUREAU, SPECIALIST = "bureau", "specialist"
ROLES = (BUREAU, SPECIALIST)
AUDIT_CHANNEL = "web"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # scrypt reads all of it: a bound keeps a login cheap
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # 16 MiB, ~50 ms per hash


@migrations(name="001_web_users")
def _users(db: Database) -> None:
    db.table("web_users").create(
        {
            "name": str, "role": str, "identity": str,  # identity: telegram:<id> / wecom:<userid>
            "salt": str, "hash": str, "params": str,  # scrypt n:r:p
            "disabled": int, "epoch": int,  # epoch: raised by passwd and disable, ends older sessions
            "created": str, "changed": str,
        },
        pk="name",
    )


class AccountError(ValueError):
    """A refused account change; the message is one line for whoever typed it."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    identity: str | None
    disabled: bool
    epoch: int

    @property
    def staff(self) -> Staff | None:
        """The specialist's chat identity as the desk names specialists."""
        return Staff.parse(self.identity) if self.identity else None


def hash_password(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT).hex()


def _params() -> str:
    return f"{SCRYPT['n']}:{SCRYPT['r']}:{SCRYPT['p']}"


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Accounts:
    """Reads and changes the web_users table; `actor` names who made a change, for the audit."""

    def __init__(self, db: Database) -> None:
        self.db = db
        migrations.apply(db)  # the console's own tables: the core's database knows nothing of the web

    def get(self, name: str) -> Account | None:
        row = next(self.db.query("select * from web_users where name = ?", [name]), None)
        if row is None:
            return None
        return Account(row["name"], row["role"], row["identity"], bool(row["disabled"]), row["epoch"])

    def all(self) -> list[Account]:
        return [a for a in (self.get(r["name"]) for r in self.db.query("select name from web_users order by name")) if a]

    def verify(self, name: str, password: str) -> Account | None:
        """The account when the password is right and the account enabled, else None (same work either way)."""
        row = next(self.db.query("select * from web_users where name = ?", [name]), None)
        salt = bytes.fromhex(row["salt"]) if row else b"\0" * 16
        given = hash_password(password[:MAX_PASSWORD_CHARS], salt)
        if row is None or not hmac.compare_digest(given, row["hash"]) or row["disabled"]:
            return None
        return self.get(name)

    def add(self, name: str, role: str, identity: str | None, password: str, *, actor: str, now: datetime) -> Account:
        name = name.strip()
        if not name or len(name) > 64 or any(ch.isspace() for ch in name):
            raise AccountError("the name must be 1–64 characters without spaces")
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        if identity is not None and Staff.parse(identity) is None:
            raise AccountError(f"--as {identity!r} is not telegram:<id> or wecom:<userid>")
        if role == SPECIALIST and identity is None:
            raise AccountError("a specialist needs --as telegram:<id> or wecom:<userid> (their chat identity)")
        check_password_rules(password)
        salt = secrets.token_bytes(16)
        row = {"name": name, "role": role, "identity": identity, "salt": salt.hex(),
               "hash": hash_password(password, salt), "params": _params(), "disabled": 0, "epoch": 0,
               "created": _iso(now), "changed": _iso(now)}
        with self.db.atomic():
            if self.get(name):
                raise AccountError(f"there is already an account {name!r} (web user passwd to change its password)")
            self.db.table("web_users").insert(row)
            self._audit("web_user_add", actor, now, name, role=role, identity=identity)
        return Account(name, role, identity, False, 0)

    def passwd(self, name: str, password: str, *, actor: str, now: datetime) -> None:
        """A new password (and salt); the account's open sessions end."""
        check_password_rules(password)
        salt = secrets.token_bytes(16)
        self._change(name, "salt = ?, hash = ?, params = ?", [salt.hex(), hash_password(password, salt), _params()],
                     "web_user_passwd", actor, now)

    def disable(self, name: str, *, actor: str, now: datetime) -> None:
        """The account can no longer log in; its open sessions end at their next request."""
        self._change(name, "disabled = 1", [], "web_user_disable", actor, now)

    def end_sessions(self, name: str, now: datetime) -> None:
        """Every open session of the account ends (logout)."""
        with self.db.atomic():
            self.db.execute("update web_users set epoch = epoch + 1 where name = ?", [name])

    def _change(self, name: str, assignments: str, params: list, action: str, actor: str, now: datetime) -> None:
        with self.db.atomic():
            cursor = self.db.execute(
                f"update web_users set {assignments}, epoch = epoch + 1, changed = ? where name = ?",
                [*params, _iso(now), name])
            if cursor.rowcount != 1:
                raise AccountError(f"there is no account {name!r} (web user add creates one)")
            self._audit(action, actor, now, name)

    def _audit(self, action: str, actor: str, now: datetime, name: str, **detail: object) -> None:
        record_audit(self.db, time=now, channel=AUDIT_CHANNEL, actor=actor, action=action,
                     detail={"account": name, **{k: v for k, v in detail.items() if v is not None}})
