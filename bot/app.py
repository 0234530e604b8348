"""The core's one wiring, used by every channel and command: every capability's migration sets and
erasers listed in one place, the checked knowledge base, the database, the Engine, and the services a
channel process runs on (`build_services`)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.answering.engine import Engine
from bot.common.clock import Clock, SystemClock
from bot.common.config import Settings
from bot.common.settings_reach import ReminderSettings
from bot.delivery import kf_store, outbox
from bot.delivery.dispatch import Sleep
from bot.delivery.sender import Sender
from bot.delivery.service import DeliveryService
from bot.firms import profiles
from bot.handoff import tickets
from bot.handoff.desk import TicketDesk, attach_desk
from bot.handoff.notices import Courier, DeskCheck, TicketNotices
from bot.knowledge import check
from bot.knowledge.base import KnowledgeBase, Problem
from bot.metrics import queries
from bot.metrics.retention import run_retention
from bot.reach.broadcasts import BroadcastDesk
from bot.reach.deadlines import Deadlines
from bot.reach.reminders import build_dispatcher
from bot.stations.directory import check_stations
from bot.storage import audit, dedup, events, privacy, store

# In this order on every database (the order of today's databases: never reorder, only append).
ALL_MIGRATIONS: tuple[Migrations, ...] = (
    store.migrations, profiles.migrations, audit.migrations, dedup.migrations, queries.migrations,
    outbox.migrations, tickets.migrations, kf_store.migrations,
)
# Everything /forget erases, by capability; the event log last (the others find rows by its pseudonym).
ERASERS: tuple[privacy.Eraser, ...] = (
    kf_store.forget_messages, profiles.forget_profile, outbox.forget_copies, tickets.forget_tickets,
    events.forget_events,
)
# Checks of knowledge files that capabilities above the knowledge package own.
KNOWLEDGE_CHECKS: tuple[check.FileCheck, ...] = (check_stations,)


def open_db(path: str | Path) -> store.Store:
    """The bot's database with every capability's migrations applied."""
    return store.open_store(path, ALL_MIGRATIONS)


def check_knowledge(root: Path, today: date | None = None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """`kb check` over every knowledge file, the station directory included."""
    return check.check_knowledge(root, today, KNOWLEDGE_CHECKS)


def load_knowledge(root: Path) -> KnowledgeBase:
    """The checked knowledge base (stations included), or KnowledgeError with every problem."""
    return check.load_knowledge(root, KNOWLEDGE_CHECKS)


def forget_firm(db: Database, firm: str, user: str) -> None:
    """Erase one firm everywhere, in one transaction (bot/storage/privacy.py)."""
    privacy.erase(db, ERASERS, firm, user)


def forget(engine: Engine, channel: str, user_id: str) -> None:
    """/forget on any channel: the firm under every salt (a rotation keeps it complete), and the
    Engine's memory of its conversation."""
    for firm, user in zip(engine.events.every_firm(channel, user_id), engine.events.every_user(channel, user_id)):
        forget_firm(engine.db, firm, user)
    engine.forget(channel, user_id)


def create_engine(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Engine:
    """An Engine over the checked knowledge base; raises KnowledgeError on a broken one."""
    kb = load_knowledge(settings.knowledge_dir)
    return Engine(kb, settings, db if db is not None else open_db(settings.db_path), clock or SystemClock())


@dataclass
class Services:
    """The core a channel process runs on: the Engine with its ticket desk, the firms' profiles, the
    reminders, and the one delivery service that sends broadcasts' copies and ticket notices."""

    settings: Settings
    clock: Clock
    engine: Engine
    profiles: profiles.Profiles
    desk: TicketDesk
    reminders: ReminderSettings
    broadcasts: BroadcastDesk
    deadlines: Deadlines
    notices: TicketNotices
    delivery: DeliveryService

    def add_sender(self, sender: Sender, courier: Courier | None = None) -> None:
        """A channel registers how it sends: its Sender (everything for its chats) and, when notices
        there carry buttons or edit earlier messages, its Courier for them."""
        self.delivery.dispatcher.add_sender(sender)
        if courier is not None:
            self.notices.add_courier(courier)


def build_services(
    settings: Settings, clock: Clock, db: Database | None = None, *, engine: Engine | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Services:
    """The services over the database (`db`, else settings.db_path) or an Engine already made; `sleep`
    is the delivery loop's wait (a simulated one in tests). Raises KnowledgeError on a broken base."""
    engine = engine or create_engine(settings, clock, db)
    desk = attach_desk(engine, settings, clock)
    config = settings.reminders
    notices = TicketNotices(desk)
    dispatcher = build_dispatcher(
        engine.db, {}, clock, config, lambda: engine.kb, sleep,
        daily=partial(run_retention, engine.db, clock, settings), ticks=(DeskCheck(desk),),
    )
    dispatcher.register(notices)
    return Services(
        settings=settings, clock=clock, engine=engine, profiles=profiles.Profiles(engine.db), desk=desk,
        reminders=config, broadcasts=BroadcastDesk(engine.db, clock, config.max_text_chars),
        deadlines=Deadlines(engine.db, config.send_hour, config.months_before), notices=notices,
        delivery=DeliveryService(dispatcher),
    )
