"""The web console under Starlette's TestClient: settings with specialists on duty, accounts, logging in.

The app opens its own connection to the test's database file (in the thread that serves it, as in
production); the test reads and seeds through another connection, as a channel process would."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.clock import ManualClock
from bot.config import Settings
from bot.engine import Engine
from bot.knowledge import KnowledgeBase
from bot.store import open_db
from settings_helper import write_settings
from web.accounts import Accounts
from web.app import WebSettings, create_app
from web.security import SessionCodec

SECRET = b"test-secret-test-secret-test-secret!"
PASSWORD = "correct horse battery"
SPECIALIST_ID = "9001"  # telegram:9001, on duty for 邵武市
OTHER_ID = "9002"  # telegram:9002, on duty for 建阳区
WEB_CONFIG = """specialists:
  telegram: [9001, 9002]
handoff:
  duty:
    邵武市: [telegram:9001]
    建阳区: [telegram:9002]
    city: [telegram:9002]
"""


@pytest.fixture
def web_settings(tmp_path: Path, kb_dir: Path) -> Settings:
    return write_settings(tmp_path, kb_dir, WEB_CONFIG)


@pytest.fixture
def db(web_settings: Settings):
    """The test's own connection to the console's database."""
    return open_db(web_settings.db_path)


@pytest.fixture
def accounts(db, clock: ManualClock) -> Accounts:
    found = Accounts(db)
    found.add("ju", "bureau", None, PASSWORD, actor="test", now=clock.now())
    found.add("li", "specialist", f"telegram:{SPECIALIST_ID}", PASSWORD, actor="test", now=clock.now())
    found.add("wang", "specialist", f"telegram:{OTHER_ID}", PASSWORD, actor="test", now=clock.now())
    return found


def console_client(settings: Settings, clock: ManualClock, kb: KnowledgeBase, **config: object) -> TestClient:
    app = create_app(settings, clock, lambda: Engine(kb, settings, open_db(settings.db_path), clock),
                     SessionCodec(SECRET), config=WebSettings(**config))
    return TestClient(app, base_url="https://console.test", follow_redirects=False)


@pytest.fixture
def client(web_settings: Settings, clock: ManualClock, fixture_kb: KnowledgeBase, accounts: Accounts):
    with console_client(web_settings, clock, fixture_kb) as served:
        yield served


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token the session's forms carry (read from a page, as a browser would)."""
    return CSRF.search(client.get(path).text)[1]


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(client)})


def post(client: TestClient, path: str, data: dict | None = None, page: str = "/", **kwargs):
    """A form submitted from `page` (its CSRF token included)."""
    return client.post(path, data={**(data or {}), "csrf": csrf_of(client, page)}, **kwargs)
