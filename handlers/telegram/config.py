"""The secrets the Telegram channel reads from the environment, checked for their shape (the
`telegram:` block of config.yaml is bot/common/settings_channels.py)."""
from __future__ import annotations

import re
from typing import Mapping

from bot.common.config import ConfigError
from bot.common.env import TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET, Env

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{35,}$")
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def bot_token(environ: Mapping[str, str] | None = None) -> str:
    """TELEGRAM_BOT_TOKEN, checked for the `<digits>:<35+ characters>` shape."""
    token = Env.of(environ).telegram_token
    if not token:
        raise ConfigError(f"{TELEGRAM_TOKEN} is not set: export the token @BotFather gave you")
    if not _TOKEN_SHAPE.match(token):
        raise ConfigError(
            f"{TELEGRAM_TOKEN} is malformed: expected <digits>:<35 or more letters, digits, _ or ->"
        )
    return token


def webhook_secret(environ: Mapping[str, str] | None = None) -> str:
    """TELEGRAM_WEBHOOK_SECRET (1–256 of A–Z a–z 0–9 _ -), required in webhook mode."""
    secret = Env.of(environ).telegram_webhook_secret
    if not _SECRET_SHAPE.match(secret):
        raise ConfigError(
            f"{TELEGRAM_WEBHOOK_SECRET} must be set to 1–256 characters of A-Z a-z 0-9 _ - in webhook mode"
        )
    return secret
