"""/forget on WeCom, through the signed, encrypted callback (tests/wecom_fake.py): after a salt rotation
nothing in the database names the firm (issue 15 item 5), the dedup table's stored replies and the
conversation's in-memory offers included (item 8)."""
from __future__ import annotations

import pytest
from privacy_traces import links, traces
from test_wecom_server import api, server, wecom_engine, wecom_settings  # noqa: F401 (fixtures)

from bot.answering.engine import Engine
from bot.storage.events import EventLog, Salts

pytestmark = pytest.mark.asyncio
FIRM = "firm_a"
QUESTIONS = ("我们厂的商业秘密被员工带走了", "我的商标被抢注了", "商标注册要多久")
DEDUP_TABLE = "inbound_seen"


async def talk_then_forget(peer, engine: Engine) -> list[str]:
    """The firm's conversation across a salt rotation, then /forget; its pseudonyms under every salt."""
    engine.events = EventLog(engine.db, Salts(("old-salt",)))
    await peer.say(FIRM, QUESTIONS[0])
    await peer.say(FIRM, "转人工")
    await peer.say(FIRM, "/subscribe 商标")
    engine.events = EventLog(engine.db, Salts(("new-salt", "old-salt")))  # BOT_SALT rotated
    await peer.say(FIRM, QUESTIONS[2])
    await peer.say(FIRM, "转人工 " + QUESTIONS[1])
    await peer.say("firm_b", "专利年费怎么交")  # someone else, untouched
    assert links(engine.db, FIRM, engine.events.every_user("wecom", FIRM),
                 engine.events.every_firm("wecom", FIRM)) == []  # open tickets name no chat
    assert (await peer.say(FIRM, "/forget yes")).startswith("已删除。")
    return engine.events.every_user("wecom", FIRM) + engine.events.every_firm("wecom", FIRM)


async def test_wecom_forget_leaves_no_trace_under_any_salt(server, wecom_engine) -> None:
    peer, callback = server
    pseudonyms = await talk_then_forget(peer, wecom_engine)
    assert traces(wecom_engine.db, FIRM, pseudonyms, QUESTIONS, skip_tables=[DEDUP_TABLE]) == []
    assert not any(p in wecom_engine.conversations for p in pseudonyms)
    assert wecom_engine.db["events"].count_where("user = ?", [wecom_engine.events.user("wecom", "firm_b")]) == 1


async def test_wecom_forget_also_clears_the_dedup_replies_and_offers(server, wecom_engine) -> None:
    peer, callback = server
    pseudonyms = await talk_then_forget(peer, wecom_engine)
    assert traces(wecom_engine.db, FIRM, pseudonyms, QUESTIONS) == []
    assert FIRM not in callback.conversation._offers
