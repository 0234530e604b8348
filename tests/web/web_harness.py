"""The web console under Starlette's TestClient: the app, logging in, posting forms (fixtures: conftest.py).

The app opens its own connection to the test's database file (in the thread that serves it, as in
production); the test reads and seeds through another connection, as a channel process would."""
from __future__ import annotations

import re
import socket
from pathlib import Path

from starlette.testclient import TestClient

from bot.answering.engine import Engine
from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import Settings
from bot.handoff.tickets import Notice
from bot.knowledge.base import KnowledgeBase
from web.app import WebSettings, create_app
from web.security import SessionCodec

SECRET = b"test-secret-test-secret-test-secret!"
PASSWORD = "correct horse battery"
SPECIALIST_ID = "9001"  # telegram:9001, on duty for 邵武市
OTHER_ID = "9002"  # telegram:9002, on duty for 建阳区
FIRM_CHAT = "424242"  # a firm's Telegram chat: never on a page
WEB_CONFIG = """specialists:
  telegram: [9001, 9002]
handoff:
  duty:
    邵武市: [telegram:9001]
    建阳区: [telegram:9002]
    city: [telegram:9002]
"""


def console_client(settings: Settings, clock: ManualClock, kb: KnowledgeBase, **config: object) -> TestClient:
    app = create_app(settings, clock, lambda: Engine(kb, settings, open_db(settings.db_path), clock),
                     SessionCodec(SECRET), config=WebSettings(**config))
    return TestClient(app, base_url="https://console.test", follow_redirects=False)


ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token the session's forms carry (read from a page, as a browser would)."""
    return CSRF.search(client.get(path).text)[1]


def log_in(client: TestClient, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(client)})


def post(client: TestClient, path: str, data: dict | None = None, page: str = "/", **kwargs):
    """A form submitted from `page` (its CSRF token included)."""
    return client.post(path, data={**(data or {}), "csrf": csrf_of(client, page)}, **kwargs)


class Recorder:
    """A firm's channel (Telegram) as the desk's courier sees it: what each chat was sent."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def deliver(self, notice: Notice, said: str) -> str | None:
        self.sent.append((notice.chat_id, said))
        return str(len(self.sent))

    async def send(self, chat_id: str, text: str) -> None:
        self.sent.append((chat_id, text))
