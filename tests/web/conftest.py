"""Fixtures for the web console's tests: settings with specialists on duty, the accounts, a TestClient.

The app opens its own connection to the test's database file (in the thread that serves it, as in
production); the test reads and seeds through another connection, as a channel process would."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from settings_helper import write_settings
from web_harness import OTHER_ID, PASSWORD, SPECIALIST_ID, WEB_CONFIG, console_client

from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import Settings
from bot.knowledge.base import KnowledgeBase
from web.accounts import Accounts


@pytest.fixture
def web_settings(tmp_path: Path, kb_dir: Path) -> Settings:
    return write_settings(tmp_path, kb_dir, WEB_CONFIG)


@pytest.fixture
def db(web_settings: Settings):
    """The test's own connection to the console's database."""
    return open_db(web_settings.db_path)


@pytest.fixture(scope="session")
def account_rows() -> list[dict]:
    """ju (bureau), li and wang (specialists), hashed once for the session (scrypt is slow on purpose)."""
    made = Accounts(open_db(":memory:"))
    now = datetime(2026, 11, 1, tzinfo=UTC)
    made.add("ju", "bureau", None, PASSWORD, actor="test", now=now)
    made.add("li", "specialist", f"telegram:{SPECIALIST_ID}", PASSWORD, actor="test", now=now)
    made.add("wang", "specialist", f"telegram:{OTHER_ID}", PASSWORD, actor="test", now=now)
    return list(made.db["web_users"].rows)


@pytest.fixture
def accounts(db, account_rows: list[dict]) -> Accounts:
    accounts = Accounts(db)  # makes the console's tables
    db["web_users"].insert_all(account_rows)
    return accounts


@pytest.fixture
def client(web_settings: Settings, clock: ManualClock, fixture_kb: KnowledgeBase, accounts: Accounts):
    with console_client(web_settings, clock, fixture_kb) as served:
        yield served
