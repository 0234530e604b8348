"""Reminders wired together for a channel process: the scheduler that fires what is due (broadcasts,
firms' deadlines, calendar events) and the delivery loop that runs it (bot/delivery/service.py runs the
loop in the background; the `reminders:` settings are bot/common/settings_reach.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Callable, Mapping, Sequence

from sqlite_utils import Database

from bot.common.clock import Clock, local_date
from bot.common.schedule import When
from bot.common.settings_reach import ReminderSettings
from bot.delivery.dispatch import Dispatcher, Sleep
from bot.delivery.outbox import CALENDAR, Audience, Outbox
from bot.delivery.sender import Sender
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.calendar import due_events, events_of
from bot.reach.deadlines import Deadlines

log = logging.getLogger(__name__)

Tick = Callable[[datetime], int]  # a periodic job on the delivery loop's tick: how many new things to send


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
