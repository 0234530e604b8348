"""The channels' blocks of config.yaml: `telegram:` (flood limit, webhook) and `wecom:` (how the
callback server listens). Their secrets come only from the environment (bot/common/env.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.common.flood import FloodLimit
from bot.common.settings_base import ConfigError, number, section_values


@dataclass(frozen=True)
class WebhookSettings:
    url: str  # public HTTPS URL Telegram posts to
    port: int = 8443
    listen: str = "0.0.0.0"
    path: str = "telegram"  # local URL path the server listens on


@dataclass(frozen=True)
class TelegramSettings:
    flood: FloodLimit = FloodLimit()
    webhook: WebhookSettings | None = None


def _webhook(raw: Any) -> WebhookSettings | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not str(raw.get("url") or "").startswith("https://"):
        raise ConfigError("config: telegram.webhook.url must be an https:// URL")
    return WebhookSettings(
        url=str(raw["url"]),
        port=int(number(raw, "port", 8443, "telegram.webhook", positive=True)),
        listen=str(raw.get("listen", "0.0.0.0")),
        path=str(raw.get("path", "telegram")).strip("/"),
    )


def telegram_settings(raw: Mapping[str, Any]) -> TelegramSettings:
    """Parse and check the `telegram:` block (defaults when it is absent)."""
    unknown = set(raw) - {"flood", "webhook"}
    if unknown:
        raise ConfigError(f"config: unknown telegram settings {sorted(unknown)}")
    flood = raw.get("flood") or {}
    if not isinstance(flood, Mapping):
        raise ConfigError("config: telegram.flood must be a mapping")
    limit = FloodLimit(
        messages=int(number(flood, "messages", FloodLimit.messages, "telegram.flood", positive=True)),
        per_seconds=number(flood, "per_seconds", FloodLimit.per_seconds, "telegram.flood", positive=True),
    )
    return TelegramSettings(flood=limit, webhook=_webhook(raw.get("webhook")))


@dataclass(frozen=True)
class WeComSettings:
    """How the callback server listens and how strict it is (config.yaml `wecom:`)."""

    host: str = "0.0.0.0"
    port: int = 8080
    path: str = "/wecom/callback"
    timestamp_window_seconds: int = 300
    dedup_minutes: int = 10
    api_base: str = "https://qyapi.weixin.qq.com/cgi-bin"
    rate_limit_wait_seconds: int = 60
    request_timeout_seconds: float = 10.0
    body_read_seconds: float = 3.0  # a request body that takes longer to arrive is refused (408)


def wecom_settings(raw: Mapping[str, Any]) -> WeComSettings:
    """Parse and check the `wecom:` block (defaults when it is absent)."""
    values = section_values(WeComSettings, raw, "wecom")
    if not str(values.get("path", WeComSettings.path)).startswith("/"):
        raise ConfigError("config: wecom.path must start with /")
    return WeComSettings(**values)


@dataclass(frozen=True)
class WebSettings:
    """The `web:` block: the operators' web console (web/)."""

    host: str = "127.0.0.1"
    port: int = 8090  # the WeCom callback has 8080
    session_hours: float = 8.0
    login_attempts: int = 5
    login_window_minutes: float = 15.0


def web_settings(raw: Mapping[str, Any]) -> WebSettings:
    """Parse and check the `web:` block (defaults when it is absent)."""
    found = WebSettings(**section_values(WebSettings, raw, "web"))
    if min(found.session_hours, found.login_attempts, found.login_window_minutes) <= 0 or not 0 < found.port < 65536:
        raise ConfigError("config: web: session_hours, login_attempts and login_window_minutes must be "
                          "positive, port 1–65535")
    return found
