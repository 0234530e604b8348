"""Reminders wired together for a channel process: the scheduler that fires what is due (broadcasts,
firms' deadlines, calendar events) and the delivery loop (settings: bot/common/settings_reach.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Callable, Mapping

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

RESTART_SECONDS, RESTART_MAX_SECONDS = 5.0, 300.0


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
) -> Dispatcher:
    """The delivery loop for these senders, firing due reminders on every tick (and `daily` once a day)."""
    scheduler = Scheduler(db, settings, knowledge, daily)
    return Dispatcher(
        scheduler.outbox,
        senders,
        clock,
        sleep,
        limits=settings.limits,
        settings=settings.delivery,
        on_tick=scheduler.fire_due,
    )


class ReminderLoop:
    """The delivery loop as a background task of a running channel (PTB post_init, Starlette lifespan).
    If the loop fails (a database error …) it is logged and started again after a pause that doubles
    up to RESTART_MAX_SECONDS; copies it had in flight are recovered like after a crash."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._task: asyncio.Task | None = None
        self._stopped = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        log.info("reminders: delivering %s", ", ".join(self.dispatcher.senders))

    async def _run(self) -> None:
        pause = RESTART_SECONDS
        while not self._stopped.is_set():
            try:
                await self.dispatcher.run()
                return
            except Exception:
                log.exception("reminders: the delivery loop failed; starting again in %.0f s", pause)
                await self._pause(pause)
                pause = min(pause * 2, RESTART_MAX_SECONDS)

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds` (on the dispatcher's sleep), or less if stop() comes first."""
        sleeper = asyncio.ensure_future(self.dispatcher.sleep(seconds))
        stopped = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait({sleeper, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (sleeper, stopped):
            waiter.cancel()

    async def stop(self) -> None:
        """Let the copies in flight finish and be recorded, then end."""
        self._stopped.set()
        if self._task is not None:
            self.dispatcher.stop()
            await self._task
            self._task = None
