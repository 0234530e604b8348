"""The `reminders:` block of config.yaml: when reminders go out, and how copies are delivered
(per-channel rate limits, concurrency, retries) by bot/delivery/dispatch.py."""
from __future__ import annotations

from dataclasses import astuple, dataclass, field
from typing import Any, Mapping

from bot.common.settings_base import ConfigError, number, section_values
from bot.common.vocab import DEADLINE_KINDS, PATENT_FEE, PLEDGE_LOAN, TRADEMARK


@dataclass(frozen=True)
class RateLimit:
    """A platform's sending limits: messages a second over all chats, seconds between two messages to
    one chat (0 = no limit)."""

    per_second: float = 30
    per_chat_seconds: float = 1


@dataclass(frozen=True)
class DeliverySettings:
    concurrency: int = 16  # copies in flight at once: the most a killed process can repeat
    max_attempts: int = 5  # platform calls per copy before a network error counts as failed
    backoff_seconds: float = 2.0  # wait before the first retry, doubled each time
    max_backoff_seconds: float = 300.0
    idle_seconds: float = 15.0  # how often to look for due reminders when there is nothing to send
    batch: int = 500  # copies read from the database at a time


DEFAULT_LIMITS = {"telegram": RateLimit(30, 1), "wecom": RateLimit(10, 2), "wecom_kf": RateLimit(10, 2)}
DEFAULT_MONTHS_BEFORE = {TRADEMARK: (6, 1), PATENT_FEE: (1,), PLEDGE_LOAN: (3, 1)}
_DELIVERY_KEYS = ("concurrency", "max_attempts", "backoff_seconds", "max_backoff_seconds", "idle_seconds")


@dataclass(frozen=True)
class ReminderSettings:
    send_hour: int = 9  # Asia/Shanghai hour at which deadline and calendar reminders go out
    calendar_days_before: int = 7
    months_before: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: dict(DEFAULT_MONTHS_BEFORE))
    limits: Mapping[str, RateLimit] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    delivery: DeliverySettings = DeliverySettings()
    max_text_chars: int = 3500  # a broadcast's text; with the footer it stays one Telegram message


def _months_before(raw: Any) -> dict[str, tuple[int, ...]]:
    if not isinstance(raw, Mapping) or set(raw) - set(DEADLINE_KINDS):
        raise ConfigError(
            f"config: reminders.deadline_months_before maps {', '.join(DEADLINE_KINDS)} to month lists"
        )
    months = dict(DEFAULT_MONTHS_BEFORE)
    for kind, values in raw.items():
        if not isinstance(values, list) or not all(isinstance(v, int) and 0 < v <= 24 for v in values):
            raise ConfigError(
                f"config: reminders.deadline_months_before.{kind} must list months from 1 to 24"
            )
        months[kind] = tuple(values)
    return months


def _limits(raw: Any) -> dict[str, RateLimit]:
    if not isinstance(raw, Mapping):
        raise ConfigError("config: reminders.limits maps channels to {per_second, per_chat_seconds}")
    limits = dict(DEFAULT_LIMITS)
    for channel, block in raw.items():
        where = f"reminders.limits.{channel}"
        if not isinstance(block, Mapping) or set(block) - {"per_second", "per_chat_seconds"}:
            raise ConfigError(f"config: {where} takes per_second and per_chat_seconds")
        default = limits.get(channel, RateLimit())
        limits[str(channel)] = RateLimit(
            number(block, "per_second", default.per_second, where),
            number(block, "per_chat_seconds", default.per_chat_seconds, where),
        )
    return limits


@dataclass(frozen=True)
class _Block:
    """The plain values of the `reminders:` block (the nested ones are parsed apart)."""

    send_hour: int = 9
    calendar_days_before: int = 7
    max_text_chars: int = 3500
    concurrency: int = DeliverySettings.concurrency
    max_attempts: int = DeliverySettings.max_attempts
    backoff_seconds: float = DeliverySettings.backoff_seconds
    max_backoff_seconds: float = DeliverySettings.max_backoff_seconds
    idle_seconds: float = DeliverySettings.idle_seconds


def reminder_settings(raw: Mapping[str, Any]) -> ReminderSettings:
    """Parse and check config.yaml's `reminders:` block (defaults when absent)."""
    raw = dict(raw)
    nested = {key: raw.pop(key) for key in ("deadline_months_before", "limits") if key in raw}
    block = _Block(**section_values(_Block, raw, "reminders"))
    if not 0 <= block.send_hour <= 23:
        raise ConfigError("config: reminders.send_hour must be an hour from 0 to 23")
    if min(block.concurrency, block.max_attempts) < 1 or min(astuple(block)) < 0:
        raise ConfigError("config: reminders: concurrency and max_attempts must be at least 1, the rest ≥ 0")
    delivery = DeliverySettings(**{key: getattr(block, key) for key in _DELIVERY_KEYS})
    return ReminderSettings(
        send_hour=block.send_hour,
        calendar_days_before=block.calendar_days_before,
        months_before=_months_before(nested.get("deadline_months_before") or {}),
        limits=_limits(nested.get("limits") or {}),
        delivery=delivery,
        max_text_chars=block.max_text_chars,
    )
