"""Who the IP specialists are, per channel: config.yaml `specialists: {telegram: [ids], wecom: [userids]}`."""
from __future__ import annotations

from bot.config import ConfigError, Settings


def specialist_ids(settings: Settings, channel: str) -> frozenset[str]:
    """The configured specialist ids of one channel (as strings: Telegram ids are numbers)."""
    ids = settings.section("specialists").get(channel) or []
    if not isinstance(ids, list):
        raise ConfigError(f"config: specialists.{channel} must be a list of user ids")
    return frozenset(str(i).strip() for i in ids)


def is_specialist(settings: Settings, channel: str, user_id: str) -> bool:
    return str(user_id) in specialist_ids(settings, channel)
