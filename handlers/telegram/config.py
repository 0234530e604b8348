"""The `telegram:` block of config.yaml and the secrets the channel reads from the environment."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from bot.common.config import ConfigError, Settings
from bot.common.flood import FloodLimit

TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"
SECRET_VARIABLE = "TELEGRAM_WEBHOOK_SECRET"
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]{35,}$")
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # public HTTPS URL Telegram posts to
    port: int = 8443
    listen: str = "0.0.0.0"
    path: str = "telegram"  # local URL path the server listens on


@dataclass(frozen=True)
class TelegramConfig:
    flood: FloodLimit = FloodLimit()
    webhook: WebhookConfig | None = None


def _number(block: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = block.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"config: {where}.{key} must be a positive number")
    return value


def _webhook(raw: Any) -> WebhookConfig | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not str(raw.get("url") or "").startswith("https://"):
        raise ConfigError("config: telegram.webhook.url must be an https:// URL")
    return WebhookConfig(
        url=str(raw["url"]),
        port=int(_number(raw, "port", 8443, "telegram.webhook")),
        listen=str(raw.get("listen", "0.0.0.0")),
        path=str(raw.get("path", "telegram")).strip("/"),
    )


def telegram_config(settings: Settings) -> TelegramConfig:
    """Parse and check the `telegram:` block (defaults when it is absent)."""
    block = settings.section("telegram")
    unknown = set(block) - {"flood", "webhook"}
    if unknown:
        raise ConfigError(f"config: unknown telegram settings {sorted(unknown)}")
    flood = block.get("flood") or {}
    if not isinstance(flood, Mapping):
        raise ConfigError("config: telegram.flood must be a mapping")
    limit = FloodLimit(
        messages=int(_number(flood, "messages", FloodLimit.messages, "telegram.flood")),
        per_seconds=_number(flood, "per_seconds", FloodLimit.per_seconds, "telegram.flood"),
    )
    return TelegramConfig(flood=limit, webhook=_webhook(block.get("webhook")))


def bot_token(environ: Mapping[str, str]) -> str:
    """TELEGRAM_BOT_TOKEN, checked for the `<digits>:<35+ characters>` shape."""
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(f"{TOKEN_VARIABLE} is not set: export the token @BotFather gave you")
    if not _TOKEN_SHAPE.match(token):
        raise ConfigError(
            f"{TOKEN_VARIABLE} is malformed: expected <digits>:<35 or more letters, digits, _ or ->"
        )
    return token


def webhook_secret(environ: Mapping[str, str]) -> str:
    """TELEGRAM_WEBHOOK_SECRET (1–256 of A–Z a–z 0–9 _ -), required in webhook mode."""
    secret = environ.get(SECRET_VARIABLE, "").strip()
    if not _SECRET_SHAPE.match(secret):
        raise ConfigError(
            f"{SECRET_VARIABLE} must be set to 1–256 characters of A-Z a-z 0-9 _ - in webhook mode"
        )
    return secret
