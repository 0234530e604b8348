"""`run_bot.py telegram` while the Bot API cannot be reached: one line per attempt, then it tries again."""
from __future__ import annotations

import pytest
from telegram.error import NetworkError
from telegram.ext import Application
from tg_harness import TOKEN

from bot.common.config import Settings
from cli.telegram import serve
from handlers.telegram import build_application
from handlers.telegram.offline import OfflineRequest

UNREACHABLE = "httpx.ConnectError: [Errno -3] Temporary failure in name resolution"


class Offline(OfflineRequest):
    """The offline Bot API, unreachable for the first `failures` calls (as without a network)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise NetworkError(UNREACHABLE)
        return await super().do_request(url, method, request_data, *args, **kwargs)


def stops_once_started(application: Application) -> None:
    """Stop polling as soon as the bot has started (after its own start-up work)."""
    start = application.post_init

    async def started(app: Application) -> None:
        await start(app)
        app.stop_running()

    application.post_init = started


def test_unreachable_bot_api_is_one_line_per_attempt_then_it_starts(
        settings: Settings, engine, clock, capfd: pytest.CaptureFixture[str]) -> None:
    request = Offline(failures=3)
    application = build_application(settings, request=request, clock=clock, engine=engine, token=TOKEN)
    stops_once_started(application)
    waits: list[float] = []
    assert serve(application, webhook=None, secret=None, sleep=waits.append) == 0
    assert waits == [5, 10, 20]
    out, err = capfd.readouterr()
    assert err.splitlines() == [
        f"telegram: cannot reach the Telegram Bot API ({UNREACHABLE}); trying again in {wait:g} s"
        for wait in waits
    ]
    assert [call.method for call in request.calls][:2] == ["getMe", "setMyCommands"]
