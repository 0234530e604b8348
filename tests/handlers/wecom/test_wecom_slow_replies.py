"""Issue 15, item 3: a reply that would miss WeCom's 5-second passive window (/reload, long work) is
answered at once with 「处理中…」 and delivered through the API; a retry of the same message, meanwhile or
after, gets the same passive reply and never a second copy, and never an empty 200."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from settings_helper import write_settings
from wecom_fake import CREDENTIALS, FakeWeComAPI, WeComPeer

import bot.app
from bot.answering.engine import Engine
from bot.app import build_services, open_db
from bot.common.clock import simulated_sleep
from bot.common.settings_channels import WeComSettings
from handlers.wecom.server import build_app

WORKING = "处理中…结果稍后发给您。"


class Budget:
    """The callback's injectable wait: it ends only when the test says the passive window has passed."""

    def __init__(self) -> None:
        self.passed = asyncio.Event()
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.passed.wait()


@pytest.fixture
def wecom_settings(tmp_path: Path, kb_dir: Path):
    return write_settings(tmp_path, kb_dir, "specialists:\n  wecom: [staff_li]\n")


@pytest.fixture
def api() -> FakeWeComAPI:
    return FakeWeComAPI()


@pytest_asyncio.fixture
async def server(fixture_kb, wecom_settings, clock, api):
    budget = Budget()
    engine = Engine(fixture_kb, wecom_settings, open_db(wecom_settings.db_path), clock)
    services = build_services(wecom_settings, clock, engine=engine, sleep=simulated_sleep(clock))
    app, callback = build_app(services, CREDENTIALS, WeComSettings(), transport=api.transport(), sleep=budget.sleep)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test")
    yield WeComPeer(http, clock), callback, budget
    await http.aclose()
    await callback.sender.aclose()


async def until(condition, rounds: int = 1000) -> None:
    """Let the event loop run until `condition()` holds."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


@pytest.mark.asyncio
async def test_slow_work_answers_at_once_and_the_result_follows_through_the_api(server, api, monkeypatch) -> None:
    peer, callback, budget = server
    release, calls = asyncio.Event(), []

    async def slow_respond(inbound):
        calls.append(inbound.delivery_key)
        await release.wait()
        return "慢慢算好的答案"

    monkeypatch.setattr(callback.conversation, "respond", slow_respond)
    message = peer.text_xml("firm_a", "算一算", msg_id=77)
    first = asyncio.create_task(peer.post(message))
    try:
        await until(lambda: calls)
        retry_meanwhile = await asyncio.wait_for(peer.post(message, nonce="2"), timeout=5)
        assert peer.reply_fields(retry_meanwhile)["Content"] == WORKING  # not an empty 200
        budget.passed.set()
        assert peer.reply_fields(await asyncio.wait_for(first, timeout=5))["Content"] == WORKING
        assert api.texts_to("firm_a") == []
    finally:
        release.set()
    await callback.drain()
    assert api.texts_to("firm_a") == ["慢慢算好的答案"]
    retry_after = await peer.post(message, nonce="3")
    assert peer.reply_fields(retry_after)["Content"] == WORKING
    await callback.drain()
    assert api.texts_to("firm_a") == ["慢慢算好的答案"] and calls == ["77"]
    assert budget.asked and max(budget.asked) < 5


@pytest.mark.asyncio
async def test_reload_that_takes_long_answers_at_once_and_reports_through_the_api(server, api, monkeypatch) -> None:
    peer, callback, budget = server
    checking, finish = threading.Event(), threading.Event()
    real_check = bot.app.check_knowledge

    def slow_check(directory):
        checking.set()
        finish.wait(timeout=10)
        return real_check(directory)

    monkeypatch.setattr(bot.app, "check_knowledge", slow_check)
    reload = asyncio.create_task(peer.say("staff_li", "/reload"))
    try:
        await until(checking.is_set, rounds=100_000)
        budget.passed.set()
        assert await asyncio.wait_for(reload, timeout=5) == WORKING
    finally:
        finish.set()
    await callback.drain()
    [report] = api.texts_to("staff_li")
    assert report.startswith("知识库已重新加载：6 条问答")


@pytest.mark.asyncio
async def test_quick_replies_stay_passive(server, api) -> None:
    peer, callback, budget = server
    assert "9个月" in await peer.say("firm_a", "商标注册要多久")
    await callback.drain()
    assert api.sent == []


@pytest.mark.asyncio
async def test_a_deferred_reply_survives_a_busy_api(server, api, monkeypatch) -> None:
    """WeCom's API is busy (errcode -1) or rate-limited (45009) at first: the result is sent again."""
    peer, callback, budget = server
    budget.passed.set()  # every wait is over at once: the reply misses the window, retries do not wait
    release = asyncio.Event()

    async def slow_respond(inbound):
        await release.wait()
        return "终于算好的答案"

    monkeypatch.setattr(callback.conversation, "respond", slow_respond)
    assert await peer.say("firm_a", "算一算") == WORKING
    api.send_errors = [{"errcode": -1, "errmsg": "system busy"}, {"errcode": 45009, "errmsg": "freq limit"}]
    release.set()
    await callback.drain()
    assert api.texts_to("firm_a") == ["终于算好的答案"]
