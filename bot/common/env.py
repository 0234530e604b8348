"""The process environment: the only module that reads os.environ. Secrets (tokens, salts, WeCom
credentials) live only here, never in config.yaml; docs/operators.md lists every variable."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Mapping

CONFIG = "BOT_CONFIG"  # the config file (default: config.yaml beside run_bot.py)
DB_PATH = "BOT_DB_PATH"  # overrides config.yaml's db_path
SALT = "BOT_SALT"  # the pseudonymisation salts, comma-separated, the current one first
TELEGRAM_TOKEN = "TELEGRAM_BOT_TOKEN"
TELEGRAM_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
# The WeCom app's credentials, by WeComCredentials field.
WECOM = {key: f"WECOM_{key.upper()}" for key in ("corp_id", "agent_id", "token", "encoding_aes_key", "secret")}
SPECIALISTS_SUFFIX = "_SPECIALISTS"  # TELEGRAM_SPECIALISTS, WECOM_SPECIALISTS: comma-separated user ids
PTB_TIMEDELTA = "PTB_TIMEDELTA"  # python-telegram-bot gives RetryAfter.retry_after as a timedelta when "1"


class Env(Mapping[str, str]):
    """A read-only view of environment variables with the project's typed accessors. Tests build one
    from a dict; the running process gets its own with Env.of(None)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    @classmethod
    def of(cls, environ: Mapping[str, str] | None) -> Env:
        """`environ` as an Env; None is the process environment."""
        if isinstance(environ, Env):
            return environ
        return cls(os.environ if environ is None else environ)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def text(self, name: str) -> str:
        """The variable's value without surrounding blanks ("" when unset)."""
        return self._values.get(name, "").strip()

    @property
    def config_path(self) -> Path | None:
        return Path(self.text(CONFIG)) if self.text(CONFIG) else None

    @property
    def db_path(self) -> str:
        return self.text(DB_PATH)

    @property
    def salt(self) -> str:
        return self.text(SALT)

    @property
    def telegram_token(self) -> str:
        return self.text(TELEGRAM_TOKEN)

    @property
    def telegram_webhook_secret(self) -> str:
        return self.text(TELEGRAM_WEBHOOK_SECRET)

    @property
    def has_wecom(self) -> bool:
        """Any of the WeCom credentials is set (whether all are is WeComCredentials' check)."""
        return any(self.text(name) for name in WECOM.values())

    def specialists(self) -> dict[str, frozenset[str]]:
        """<CHANNEL>_SPECIALISTS as channel (lower case) → the listed user ids."""
        found: dict[str, frozenset[str]] = {}
        for name in self:
            ids = frozenset(part.strip() for part in self.text(name).split(",") if part.strip())
            if name.endswith(SPECIALISTS_SUFFIX) and ids:
                found[name[: -len(SPECIALISTS_SUFFIX)].lower()] = ids
        return found


def set_default(name: str, value: str) -> None:
    """Set a variable of this process unless it is set already (for libraries that read their own)."""
    os.environ.setdefault(name, value)
