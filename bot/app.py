"""The core's one wiring, used by every channel and command: every capability's migration sets and
erasers listed in one place, the checked knowledge base, the database, the Engine, and the services a
channel process runs on (`build_services`)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from sqlite_utils import Database

from bot.answering.engine import Engine
from bot.common.clock import Clock, SystemClock
from bot.common.config import Settings
from bot.delivery import kf_store, outbox
from bot.firms import profiles
from bot.handoff import tickets
from bot.knowledge import check, versions
from bot.knowledge.base import KnowledgeBase, Problem
from bot.knowledge.tree import Change, Tree, diff_trees, read_tree
from bot.knowledge.versions import KnowledgeVersions, Version
from bot.metrics import queries
from bot.stations.directory import check_stations
from bot.storage import audit, dedup, events, privacy, store
from bot.storage.audit import record_audit

if TYPE_CHECKING:  # a channel process's services, imported where they are built: `ask` starts without them
    import asyncio

    from sqlite_utils.migrations import Migrations

    from bot.common.settings_reach import ReminderSettings
    from bot.delivery.dispatch import Sleep
    from bot.delivery.sender import Sender
    from bot.delivery.service import DeliveryService
    from bot.handoff.desk import TicketDesk
    from bot.handoff.notices import Courier, TicketNotices
    from bot.reach.broadcasts import BroadcastDesk
    from bot.reach.deadlines import Deadlines

log = logging.getLogger(__name__)

# In this order on every database (the order of today's databases: never reorder, only append).
ALL_MIGRATIONS: tuple[Migrations, ...] = (
    store.migrations, profiles.migrations, audit.migrations, dedup.migrations, queries.migrations,
    outbox.migrations, tickets.migrations, kf_store.migrations, versions.migrations,
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


# ---- the knowledge served: published versions, publishing, reloading (docs/knowledge-versions.md) ----

def check_tree(tree: Tree, today: date | None = None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """`kb check` over a knowledge tree (a version, an imported workbook), the station directory included."""
    return versions.check_tree(tree, today, KNOWLEDGE_CHECKS)


def _checked(settings: Settings, tree: Tree | None, number: int | None) -> tuple[KnowledgeBase | None, list[Problem]]:
    """kb check over version `number`'s tree, or over knowledge/ on disk when there is none."""
    kb, problems = check_knowledge(settings.knowledge_dir) if tree is None else check_tree(tree)
    if kb is not None:
        kb.version = number
    return kb, problems


def serving_knowledge(settings: Settings, db: Database) -> tuple[KnowledgeBase | None, list[Problem]]:
    """What a starting process serves: the newest published version that passes kb check (an earlier
    one when the newest fails, logged), else knowledge/ on disk while none is published."""
    store = KnowledgeVersions(db)
    newest = store.latest_number()
    if newest is None:
        return _checked(settings, None, None)
    problems: list[Problem] = []
    for number in range(newest, 0, -1):
        kb, found = _checked(settings, store.tree(number), number)
        if kb is not None:
            return kb, found
        log.error("knowledge: version %d fails kb check (%d errors); not served", number, len(found))
        problems = problems or found
    return None, problems


def served_tree(settings: Settings, db: Database) -> tuple[int | None, Tree]:
    """The newest published version's number and files, else (None, knowledge/ on disk)."""
    store = KnowledgeVersions(db)
    newest = store.latest_number()
    return (newest, store.tree(newest)) if newest is not None else (None, read_tree(settings.knowledge_dir))


@dataclass(frozen=True)
class Preview:
    """What publishing `tree` would do: its changes from what is served (version `base`, None: knowledge/
    on disk) and the problems found (kb check's, or the workbook's layout)."""

    base: int | None
    tree: Tree
    changes: list[Change]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def publishable(self) -> bool:
        return bool(self.changes) and not self.errors


def preview_tree(settings: Settings, db: Database, tree: Tree, problems: Sequence[Problem] = ()) -> Preview:
    """The changes `tree` makes to what is served, and kb check's problems (skipped when `problems`, the
    workbook's own, already refuse it)."""
    base, served = served_tree(settings, db)
    found = list(problems) if problems else check_tree(tree)[1]
    return Preview(base, tree, diff_trees(served, tree), found)


def restore_preview(settings: Settings, db: Database, number: int) -> Preview | None:
    """Publishing version `number` again, previewed (None when there is no such version)."""
    tree = KnowledgeVersions(db).tree(number)
    return preview_tree(settings, db, tree) if tree else None


def publish(
    settings: Settings, db: Database, preview: Preview, author: str, now: datetime, note: str = "",
    restored_from: int | None = None,
) -> Version | None:
    """Publish a previewed tree as the next version when it changes something and passes kb check (else
    None, nothing written); the first publication makes version 1 from knowledge/ first. VersionConflict
    when another version was published since the preview (preview again). Audited; running channel
    processes switch to it within their polling interval."""
    if not preview.publishable:
        return None
    version = KnowledgeVersions(db).publish(preview.tree, author, now, note, restored_from,
                                            seed=settings.knowledge_dir, over=preview.base)
    channel, _, actor = author.rpartition(":")
    record_audit(db, time=now, channel=channel or "kb", actor=actor, action="kb_publish",
                 detail={"version": version.number, "changes": len(version.changes), "restored_from": restored_from})
    return version


@dataclass(frozen=True)
class Reloaded:
    """A reload's outcome: the base now served (None: refused, the old one kept), the version tried
    (None: knowledge/ on disk) and kb check's errors."""

    kb: KnowledgeBase | None
    version: int | None
    errors: list[Problem]


async def reload_knowledge(engine: Engine, settings: Settings) -> Reloaded:
    """/reload and the version poll, one path: the newest published version (else knowledge/ on disk) is
    checked in a worker thread (a second or two on the full base) while the channel keeps answering, and
    the Engine switches to it only when it passes."""
    import asyncio  # every asyncio use here is a channel process's: `ask` starts without the library

    store = KnowledgeVersions(engine.db)
    number = store.latest_number()
    tree = store.tree(number) if number is not None else None
    kb, problems = await asyncio.to_thread(_checked, settings, tree, number)
    if kb is not None:
        engine.load(kb)
    return Reloaded(kb, number, [p for p in problems if p.severity == "error"])


class KnowledgePoller:
    """Switches a running channel process to each newly published version: every
    `settings.knowledge.poll_seconds` (on `sleep`) it reads the newest version's number and, when that is
    neither the one served nor one already refused, reloads as /reload does."""

    def __init__(self, engine: Engine, settings: Settings, sleep: Sleep | None = None) -> None:
        import asyncio

        self.engine, self.settings, self.sleep = engine, settings, sleep or asyncio.sleep
        self.refused: int | None = None
        self._task: asyncio.Task | None = None

    async def poll(self) -> Reloaded | None:
        """One look at the newest version; the reload's outcome when there was a new one."""
        number = KnowledgeVersions(self.engine.db).latest_number()
        if number is None or number in (self.engine.kb.version, self.refused):
            return None
        reloaded = await reload_knowledge(self.engine, self.settings)
        if reloaded.kb is None:
            self.refused = reloaded.version
            log.error("knowledge: version %s fails kb check (%d errors); version %s is kept: %s", reloaded.version,
                      len(reloaded.errors), self.engine.kb.version, "; ".join(map(str, reloaded.errors[:3])))
        else:
            log.info("knowledge: now serving version %s", reloaded.version)
        return reloaded

    async def run(self) -> None:
        while True:
            await self.sleep(self.settings.knowledge.poll_seconds)
            try:
                await self.poll()
            except Exception:  # a locked or unreadable database: the old base serves, tried again next time
                log.exception("knowledge: looking for a new version failed")

    def start(self) -> None:
        import asyncio

        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        import asyncio

        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


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
    """An Engine over the knowledge to serve (`serving_knowledge`); raises KnowledgeError when none passes."""
    db = db if db is not None else open_db(settings.db_path)
    kb, problems = serving_knowledge(settings, db)
    if kb is None:
        raise check.KnowledgeError([p for p in problems if p.severity == "error"])
    return Engine(kb, settings, db, clock or SystemClock())


@dataclass
class Services:
    """The core a channel process runs on: the Engine with its ticket desk, the firms' profiles, the
    reminders, the one delivery service that sends broadcasts' copies and ticket notices, and the poll that
    switches to each newly published knowledge version (started and stopped with the channel)."""

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
    poller: KnowledgePoller

    def add_sender(self, sender: Sender, courier: Courier | None = None) -> None:
        """A channel registers how it sends: its Sender (everything for its chats) and, when notices
        there carry buttons or edit earlier messages, its Courier for them."""
        self.delivery.dispatcher.add_sender(sender)
        if courier is not None:
            self.notices.add_courier(courier)


def build_services(
    settings: Settings, clock: Clock, db: Database | None = None, *, engine: Engine | None = None,
    sleep: Sleep | None = None,
) -> Services:
    """The services over the database (`db`, else settings.db_path) or an Engine already made; `sleep`
    is the delivery loop's wait (asyncio.sleep; a simulated one in tests; the knowledge poll keeps real
    time, as one simulated sleep must have one task). Raises KnowledgeError on a broken base."""
    import asyncio
    from functools import partial

    from bot.delivery.service import DeliveryService
    from bot.handoff.desk import attach_desk
    from bot.handoff.notices import DeskCheck, TicketNotices
    from bot.metrics.retention import run_retention
    from bot.reach.broadcasts import BroadcastDesk
    from bot.reach.deadlines import Deadlines
    from bot.reach.reminders import build_dispatcher

    engine = engine or create_engine(settings, clock, db)
    desk = attach_desk(engine, settings, clock)
    config = settings.reminders
    notices = TicketNotices(desk)
    dispatcher = build_dispatcher(
        engine.db, {}, clock, config, lambda: engine.kb, sleep or asyncio.sleep,
        daily=partial(run_retention, engine.db, clock, settings), ticks=(DeskCheck(desk),),
    )
    dispatcher.register(notices)
    return Services(
        settings=settings, clock=clock, engine=engine, profiles=profiles.Profiles(engine.db), desk=desk,
        reminders=config, broadcasts=BroadcastDesk(engine.db, clock, config.max_text_chars),
        deadlines=Deadlines(engine.db, config.send_hour, config.months_before), notices=notices,
        delivery=DeliveryService(dispatcher), poller=KnowledgePoller(engine, settings),
    )
