"""Wiring shared by every entry point: settings → checked knowledge → database → Engine."""
from __future__ import annotations

from sqlite_utils import Database

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.engine import Engine
from bot.kbcheck import load_knowledge
from bot.store import open_db


def create_engine(settings: Settings, clock: Clock | None = None, db: Database | None = None) -> Engine:
    """An Engine over the checked knowledge base; raises KnowledgeError on a broken one."""
    kb = load_knowledge(settings.knowledge_dir)
    return Engine(kb, settings, db if db is not None else open_db(settings.db_path), clock or SystemClock())
