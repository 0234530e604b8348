"""The WeCom app's credentials from the environment, checked (the `wecom:` block of config.yaml is
bot/common/settings_channels.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from bot.common.config import ConfigError
from bot.common.env import WECOM, Env
from handlers.wecom.crypto import aes_key


@dataclass(frozen=True)
class WeComCredentials:
    """The self-built app's identity and secrets (environment only, never config.yaml)."""

    corp_id: str
    agent_id: int
    token: str
    encoding_aes_key: str
    secret: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WeComCredentials:
        """WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_TOKEN, WECOM_ENCODING_AES_KEY, WECOM_SECRET, all required."""
        env = Env.of(environ)
        values = {key: env.text(name) for key, name in WECOM.items()}
        missing = [WECOM[key] for key, value in values.items() if not value]
        if missing:
            raise ConfigError(f"wecom: environment variable(s) not set: {', '.join(missing)}")
        if not values["agent_id"].isdigit():
            raise ConfigError("wecom: WECOM_AGENT_ID must be the app's numeric AgentId")
        try:
            aes_key(values["encoding_aes_key"])
        except ValueError as exc:
            raise ConfigError(f"wecom: WECOM_ENCODING_AES_KEY: {exc}") from None
        return cls(**{**values, "agent_id": int(values["agent_id"])})
