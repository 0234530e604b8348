"""Issue 16: a WeCom message is one write transaction (the delivery marked handled with the reply, the
profile, the Engine's events, a ticket and its notices), the firm's row read once; a failure half-way
writes nothing of the message, and a reply lost after the commit is given to WeCom's retry."""
from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio
from settings_helper import write_settings
from sql_trace import traced
from wecom_fake import FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.app import open_db

APOLOGY = "抱歉，系统暂时出错，请稍后再试。"


@pytest.fixture
def wecom_engine(fixture_kb, tmp_path: Path, kb_dir: Path, clock) -> Engine:
    settings = write_settings(tmp_path, kb_dir, "specialists:\n  wecom: [staff_li]\n")
    return Engine(fixture_kb, settings, open_db(settings.db_path), clock)


@pytest.fixture
def api() -> FakeWeComAPI:
    return FakeWeComAPI()


@pytest_asyncio.fixture
async def server(wecom_engine, clock, api):
    http, callback = await serve(wecom_engine, wecom_engine.settings, clock, api)
    yield WeComPeer(http, clock), callback
    await http.aclose()
    await callback.sender.aclose()


def _count(engine: Engine, table: str) -> int:
    return engine.db[table].count


@pytest.mark.asyncio
@pytest.mark.parametrize("typed", ["商标注册要多久", "我在建阳，商标去哪办", "你好", "/profile"])
async def test_a_first_contact_and_a_known_firm_commit_once_each(server, wecom_engine, typed) -> None:
    peer, _ = server
    for firm_reads in (2, 1):  # a first contact reads the profile it creates; a known firm's is read once
        with traced(wecom_engine.db) as trace:
            assert await peer.say("firm_a", typed)
        assert (trace.begins, trace.commits) == (1, 1)
        assert len(trace.mentioning("from firms")) == firm_reads
        assert not trace.mentioning("outbox")  # nothing queued for others: the delivery is not woken
    assert _count(wecom_engine, "firms") == 1 and _count(wecom_engine, "inbound_seen") == 2


@pytest.mark.asyncio
async def test_a_handoff_commits_its_ticket_and_notice_with_the_reply(server, wecom_engine, api) -> None:
    peer, _ = server
    await peer.say("firm_a", "你好")
    with traced(wecom_engine.db) as trace:
        reply = await peer.post(peer.text_xml("firm_a", "转人工 商标被抢注了"))
    assert "#1" in peer.reply_fields(reply)["Content"]
    message_writes = [f"into {table}" for table in ("events", "tickets", "ticket_notices", "outbox", "inbound_seen")]
    assert all(len(trace.mentioning(words)) == 1 for words in message_writes)
    first_commit = trace.statements.index("COMMIT")
    assert trace.statements[:first_commit].count("BEGIN IMMEDIATE") == 1
    assert all(trace.statements.index(trace.mentioning(words)[0]) < first_commit for words in message_writes)
    assert _count(wecom_engine, "tickets") == 1
    assert api.texts_to("staff_li")  # the notice went after the passive reply, from the outbox


@pytest.mark.asyncio
async def test_a_failure_half_way_writes_nothing_of_the_message(server, wecom_engine, monkeypatch) -> None:
    peer, callback = server

    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    # the profile is created and the events written before the Engine keeps the turn: then it fails
    monkeypatch.setattr(wecom_engine.conversations, "keep", broken)
    message = peer.text_xml("firm_a", "我在建阳，商标去哪办")
    with traced(wecom_engine.db) as trace:
        assert peer.reply_fields(await peer.post(message))["Content"] == APOLOGY
    assert (trace.begins, trace.commits) == (1, 1)
    assert [_count(wecom_engine, table) for table in ("firms", "events", "tickets")] == [0, 0, 0]
    monkeypatch.undo()
    assert peer.reply_fields(await peer.post(message, nonce="2"))["Content"] == APOLOGY  # the retry: not run again
    assert _count(wecom_engine, "events") == 0 and callback.duplicates == 1


@pytest.mark.asyncio
async def test_a_reply_lost_after_the_commit_goes_to_the_retry_once(server, wecom_engine, monkeypatch) -> None:
    peer, callback = server
    real_seal, crashes = callback.crypto.seal, []

    def crash_once(*args):
        if not crashes:
            crashes.append(1)
            raise OSError("connection reset before the passive reply")
        return real_seal(*args)

    monkeypatch.setattr(callback.crypto, "seal", crash_once)
    message = peer.text_xml("firm_a", "商标注册要多久")
    assert (await peer.post(message)).status_code == 500  # committed, but the reply never left
    retried = await peer.post(message, nonce="2")
    assert "9个月" in peer.reply_fields(retried)["Content"]
    assert _count(wecom_engine, "events") == 1 and callback.duplicates == 1


@pytest.mark.asyncio
async def test_a_duplicate_delivery_writes_nothing(server, wecom_engine) -> None:
    peer, _ = server
    message = peer.text_xml("firm_a", "商标注册要多久")
    first = peer.reply_fields(await peer.post(message))["Content"]
    changes = wecom_engine.db.conn.total_changes
    with traced(wecom_engine.db) as trace:
        assert peer.reply_fields(await peer.post(message, nonce="2"))["Content"] == first
    assert wecom_engine.db.conn.total_changes == changes and trace.commits <= 1
