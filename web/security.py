"""Sessions in signed cookies (HMAC-SHA256 over the JSON payload, with an expiry), CSRF tokens and the
login rate limit. Time comes from the injectable clock (bot/common/clock.py)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Mapping

SECRET_ENV = "WEB_SECRET"
MIN_SECRET_CHARS = 32
MAX_TRACKED = 10_000  # names and addresses with recent failed logins kept before a clean-up


class SecretError(ValueError):
    """The session secret is missing or too short (one line)."""


def session_secret(environ: Mapping[str, str] | None, dev: bool) -> bytes:
    """WEB_SECRET from the environment; with `dev` a random one for this process (sessions end on restart)."""
    value = (environ or {}).get(SECRET_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise SecretError(f"{SECRET_ENV} must have at least {MIN_SECRET_CHARS} characters "
                              "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value.encode("utf-8")
    if dev:
        return secrets.token_bytes(32)
    raise SecretError(f"{SECRET_ENV} is not set: the web console signs its session cookies with it "
                      "(docs/web-console.md; --dev runs with a throw-away secret on this machine only)")


@dataclass(frozen=True)
class Session:
    """Who is logged in (None: nobody yet), the account's epoch at login, the CSRF token, the expiry."""

    csrf: str
    expires: datetime
    user: str | None = None
    epoch: int = 0

    @classmethod
    def anonymous(cls, now: datetime, lifetime: timedelta) -> Session:
        return cls(secrets.token_urlsafe(24), now + lifetime)

    def logged_in(self, user: str, epoch: int, now: datetime, lifetime: timedelta) -> Session:
        """A new session for the user (a new CSRF token: the one seen before login is not reused)."""
        return replace(self, user=user, epoch=epoch, csrf=secrets.token_urlsafe(24), expires=now + lifetime)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Turns a Session into a cookie value and back; a forged, damaged or expired cookie reads as None."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, payload.encode("ascii"), hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        payload = _b64(json.dumps({"u": session.user, "e": session.epoch, "c": session.csrf,
                                   "x": int(session.expires.timestamp())}).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def loads(self, cookie: str | None, now: datetime) -> Session | None:
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        try:
            if not hmac.compare_digest(signature, self._sign(payload)):
                return None
            data = json.loads(_unb64(payload))
            expires = datetime.fromtimestamp(int(data["x"]), tz=now.tzinfo)
            session = Session(str(data["c"]), expires, data["u"], int(data["e"]))
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        return session if now < session.expires else None


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())


class LoginLimiter:
    """At most `attempts` failed logins per account name and per client address within `window`; a
    success does not reset the address's count (someone trying many names stays limited)."""

    def __init__(self, attempts: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.attempts, self.window = attempts, window
        self._failures: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures[key]
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def blocked(self, name: str, address: str, now: datetime) -> bool:
        return any(len(self._recent(key, now)) >= self.attempts for key in (f"name:{name}", f"addr:{address}"))

    def failed(self, name: str, address: str, now: datetime) -> None:
        if len(self._failures) >= MAX_TRACKED:  # many names or addresses: forget those past the window
            for key in [k for k in self._failures if not self._recent(k, now)]:
                del self._failures[key]
        for key in (f"name:{name}", f"addr:{address}"):
            self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name}", None)
