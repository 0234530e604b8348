"""Issue 15, item 8: WeCom /forget leaves no trace (database, de-duplication replies, in-memory offers), and
`reminders run-once` builds the WeCom client from the same settings as the channel."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_asyncio
from settings_helper import write_settings
from wecom_fake import AGENT_ID, CORP_ID, ENCODING_AES_KEY, SECRET, TOKEN, FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.common.clock import ManualClock
from bot.delivery.sender import RetryAfter
from cli.reminders import _senders

QUESTIONS = ("我们的茶叶商标注册要多久", "岩茶专利怎么申请呀")


@pytest_asyncio.fixture
async def server(engine, settings, clock):
    http, callback = await serve(engine, settings, clock, FakeWeComAPI())
    yield WeComPeer(http, clock), callback
    await http.aclose()
    await callback.sender.aclose()


def traces(engine: Engine, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text cell of every table that contains one of `needles`."""
    found = []
    tables = [r["name"] for r in engine.db.query("select name from sqlite_master where type = 'table'")]
    for table in tables:
        for row in engine.db.query(f"select * from [{table}]"):
            for column, value in row.items():
                found += [(table, column, n) for n in needles if isinstance(value, str) and n in value]
    return found


@pytest.mark.asyncio
async def test_forget_leaves_no_trace_of_the_firm(server, engine) -> None:
    peer, callback = server
    await peer.post(peer.event_xml("firm_a", "subscribe"))  # an event: its delivery key names the user
    await peer.say("firm_a", "1")  # county: the first one offered
    for question in QUESTIONS:
        await peer.say("firm_a", question)
    await peer.say("firm_a", "+")
    await peer.say("firm_a", "转人工 " + QUESTIONS[0])
    pseudonym = engine.events.user("wecom", "firm_a")
    assert traces(engine, ["firm_a", pseudonym])  # before: plenty

    await peer.say("firm_a", "/forget")
    done = await peer.say("firm_a", "1")
    assert "删除" in done
    assert traces(engine, ["firm_a", pseudonym, *QUESTIONS]) == []
    assert "firm_a" not in callback.conversation._offers
    assert pseudonym not in engine.conversations


@pytest.mark.asyncio
async def test_a_retry_of_the_confirming_message_after_forget_is_answered_again_without_trace(
    server, engine,
) -> None:
    peer, callback = server
    await peer.say("firm_a", QUESTIONS[0])
    await peer.say("firm_a", "/forget")
    confirm = peer.text_xml("firm_a", "1", msg_id=55)
    first = peer.reply_fields(await peer.post(confirm))["Content"]
    again = peer.reply_fields(await peer.post(confirm, nonce="2"))["Content"]
    assert again == first and "删除" in first
    assert engine.db["firms"].count == 0
    assert traces(engine, ["firm_a", engine.events.user("wecom", "firm_a")]) == []


# ---- reminders run-once ------------------------------------------------------------------------

ENVIRON = {"WECOM_CORP_ID": CORP_ID, "WECOM_AGENT_ID": str(AGENT_ID), "WECOM_TOKEN": TOKEN,
           "WECOM_ENCODING_AES_KEY": ENCODING_AES_KEY, "WECOM_SECRET": SECRET}


def test_run_once_builds_the_wecom_client_from_the_settings(tmp_path: Path, kb_dir: Path, clock: ManualClock) -> None:
    settings = write_settings(tmp_path, kb_dir, (
        "wecom:\n  api_base: https://wecom-proxy.example.cn/cgi-bin\n"
        "  request_timeout_seconds: 3.5\n  rate_limit_wait_seconds: 17\n"))
    api = FakeWeComAPI(send_errors=[{"errcode": 45009, "errmsg": "api freq out of limit"}])
    hosts: list[str] = []

    def handle(request):
        hosts.append(request.url.host)
        return api.handle(request)

    async def run() -> RetryAfter:
        import httpx

        senders, closers = await _senders(ENVIRON, clock, settings, transport=httpx.MockTransport(handle))
        try:
            with pytest.raises(RetryAfter) as raised:
                await senders["wecom"].send("firm_a", "你好")
            assert senders["wecom"]._http.timeout.read == 3.5
        finally:
            for close in closers:
                await close()
        return raised.value

    assert asyncio.run(run()).seconds == 17
    assert set(hosts) == {"wecom-proxy.example.cn"}
