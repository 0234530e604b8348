"""WeCom settings: the `wecom:` block of config.yaml, and the app's credentials from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.common.config import ConfigError, section_values
from handlers.wecom.crypto import aes_key

ENV_VARS = {
    "corp_id": "WECOM_CORP_ID",
    "agent_id": "WECOM_AGENT_ID",
    "token": "WECOM_TOKEN",
    "encoding_aes_key": "WECOM_ENCODING_AES_KEY",
    "secret": "WECOM_SECRET",
}


@dataclass(frozen=True)
class WeComCredentials:
    """The self-built app's identity and secrets (environment only, never config.yaml)."""

    corp_id: str
    agent_id: int
    token: str
    encoding_aes_key: str
    secret: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WeComCredentials:
        missing = [name for name in ENV_VARS.values() if not environ.get(name, "").strip()]
        if missing:
            raise ConfigError(f"wecom: environment variable(s) not set: {', '.join(missing)}")
        values = {key: environ[name].strip() for key, name in ENV_VARS.items()}
        if not values["agent_id"].isdigit():
            raise ConfigError("wecom: WECOM_AGENT_ID must be the app's numeric AgentId")
        try:
            aes_key(values["encoding_aes_key"])
        except ValueError as exc:
            raise ConfigError(f"wecom: WECOM_ENCODING_AES_KEY: {exc}") from None
        return cls(**{**values, "agent_id": int(values["agent_id"])})


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

    @classmethod
    def from_section(cls, raw: Mapping[str, Any]) -> WeComSettings:
        values = section_values(cls, raw, "wecom")
        if not str(values.get("path", cls.path)).startswith("/"):
            raise ConfigError("config: wecom.path must start with /")
        return cls(**values)
