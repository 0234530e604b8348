"""Who is an IP specialist, per channel: config.yaml `specialists:` plus `<CHANNEL>_SPECIALISTS`."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from bot.common.config import ConfigError, Settings


@dataclass(frozen=True)
class Specialists:
    """The configured specialist ids of each channel (raw channel user ids, as strings)."""

    ids: Mapping[str, frozenset[str]]

    def is_specialist(self, channel: str, user_id: str | int) -> bool:
        return str(user_id) in self.ids.get(channel, frozenset())

    def of(self, channel: str) -> frozenset[str]:
        return self.ids.get(channel, frozenset())


def _env_ids(value: str) -> set[str]:
    return {part.strip() for part in value.split(",") if part.strip()}


def load_specialists(settings: Settings, environ: Mapping[str, str] | None = None) -> Specialists:
    """Specialists from `specialists: {telegram: [ids], wecom: [userids]}` and, added to those,
    the comma-separated environment variables TELEGRAM_SPECIALISTS, WECOM_SPECIALISTS, …"""
    environ = os.environ if environ is None else environ
    ids: dict[str, set[str]] = {}
    for channel, listed in settings.section("specialists").items():
        if listed is None:
            listed = []
        if not isinstance(listed, list) or not all(isinstance(v, (str, int)) for v in listed):
            raise ConfigError(f"config: specialists: {channel} must be a list of user ids")
        ids[str(channel)] = {str(v).strip() for v in listed}
    for name, value in environ.items():
        if name.endswith("_SPECIALISTS") and value.strip():
            ids.setdefault(name[: -len("_SPECIALISTS")].lower(), set()).update(_env_ids(value))
    return Specialists({channel: frozenset(members) for channel, members in ids.items()})
