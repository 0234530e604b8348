"""Reminders wired together for a channel process: settings (config.yaml `reminders:`), the scheduler
that fires what is due (broadcasts, firms' deadlines, calendar events) and the delivery loop that runs
it (bot/delivery/service.py runs the loop in the background)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import astuple, dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping, Sequence

from sqlite_utils import Database

from bot.common.clock import Clock, local_date
from bot.common.config import ConfigError, Settings, section_values
from bot.common.schedule import When
from bot.delivery.dispatch import DeliverySettings, Dispatcher, RateLimit, Sleep
from bot.delivery.outbox import CALENDAR, Audience, Outbox
from bot.delivery.sender import Sender
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.calendar import due_events, events_of
from bot.reach.deadlines import KINDS as DEADLINE_KINDS
from bot.reach.deadlines import PATENT_FEE, PLEDGE_LOAN, TRADEMARK, Deadlines

log = logging.getLogger(__name__)

DEFAULT_LIMITS = {"telegram": RateLimit(30, 1), "wecom": RateLimit(10, 2)}
DEFAULT_MONTHS_BEFORE = {TRADEMARK: (6, 1), PATENT_FEE: (1,), PLEDGE_LOAN: (3, 1)}
Tick = Callable[[datetime], int]  # a periodic job on the delivery loop's tick: how many new things to send
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
            _number(block, "per_second", default.per_second, where),
            _number(block, "per_chat_seconds", default.per_chat_seconds, where),
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


def _number(block: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = block.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"config: {where}.{key} must be a number ≥ 0")
    return float(value)


def reminder_settings(settings: Settings) -> ReminderSettings:
    """Parse and check config.yaml's `reminders:` block (defaults when absent)."""
    raw = dict(settings.section("reminders"))
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


class Scheduler:
    """Turns what is due into outbox copies: scheduled broadcasts, deadline and calendar reminders.
    Everything it knows is in the database and the knowledge base, so a restart loses nothing."""

    def __init__(
        self, db: Database, settings: ReminderSettings, knowledge: Callable[[], KnowledgeBase],
        daily: Callable[[], object] | None = None,
    ) -> None:
        self.outbox = Outbox(db)
        self.deadlines = Deadlines(db, settings.send_hour, settings.months_before)
        self.settings, self.knowledge = settings, knowledge
        self.daily = daily  # housekeeping run once a (Shanghai) day, e.g. the metrics retention job
        self._daily_done: date | None = None

    def fire_due(self, now: datetime) -> int:
        """Fan out everything due at `now`; returns how many broadcasts went out."""
        self._run_daily(now)
        fired = sum(self.outbox.fire(broadcast, now) is not None for broadcast in self.outbox.due(now))
        kb = self.knowledge()
        fired += self.deadlines.fire_due(self.outbox, kb.facts, now)
        return fired + self.fire_calendar(kb, now)

    def _run_daily(self, now: datetime) -> None:
        if self.daily is None or self._daily_done == local_date(now):
            return
        self._daily_done = local_date(now)
        try:
            self.daily()
        except Exception:  # housekeeping must never stop deliveries
            log.exception("reminders: the daily job failed; it runs again tomorrow")

    def fire_calendar(self, kb: KnowledgeBase, now: datetime) -> int:
        """Calendar events whose reminder time has come, each occurrence once, to topic subscribers."""
        fired = 0
        due = due_events(
            events_of(kb), now, local_date(now), self.settings.calendar_days_before, self.settings.send_hour
        )
        for event, day in due:
            key = f"calendar:{event.id}:{day.isoformat()}"
            if self.outbox.db["broadcasts"].count_where("dedup_key = ?", [key]):
                continue  # already sent (checked first: no write on every tick of the days before)
            broadcast = self.outbox.create(
                kind=CALENDAR,
                text=event.message(day, "zh"),
                text_en=event.message(day, "en"),
                audience=Audience(topics=event.topics),
                when=When(None),
                now=now,
                topic=event.topic,
                dedup_key=key,
            )
            fired += broadcast is not None and self.outbox.fire(broadcast, now) is not None
        return fired


def build_dispatcher(
    db: Database,
    senders: Mapping[str, Sender],
    clock: Clock,
    settings: ReminderSettings,
    knowledge: Callable[[], KnowledgeBase],
    sleep: Sleep = asyncio.sleep,
    daily: Callable[[], object] | None = None,
    ticks: Sequence[Tick] = (),
) -> Dispatcher:
    """The delivery loop for these senders, firing due reminders on every tick (and `daily` once a day),
    then the other `ticks` (the ticket desk's check …), each on its own: one failing stops no other."""
    scheduler = Scheduler(db, settings, knowledge, daily)
    jobs = (scheduler.fire_due, *ticks)
    return Dispatcher(
        scheduler.outbox,
        senders,
        clock,
        sleep,
        limits=settings.limits,
        settings=settings.delivery,
        on_tick=lambda now: sum(_guarded(job, now) for job in jobs),
    )


def _guarded(job: Tick, now: datetime) -> int:
    try:
        return job(now)
    except Exception:  # tried again next tick
        log.exception("delivery: a periodic job failed (%s)", getattr(job, "__qualname__", type(job).__name__))
        return 0
