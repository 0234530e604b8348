"""Human handoff through the WeCom callback: firm → ticket → /claim → /reply → the firm receives it
through the API (the local fake), 回复专员 back, /close; a firm cannot use the specialist commands."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from settings_helper import write_settings
from wecom_fake import CREDENTIALS, FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.app import build_services, open_db
from bot.common.settings_channels import WeComSettings
from handlers.wecom.server import build_app

pytestmark = pytest.mark.asyncio

QUESTION = "我们厂的商业秘密被员工带走了"


@pytest.fixture
def staffed_settings(tmp_path: Path, kb_dir: Path):
    return write_settings(
        tmp_path, kb_dir,
        "specialists:\n  wecom: [staff_li, staff_wang]\n  telegram: [9001]\n"
        "handoff:\n  duty:\n    建阳区: [wecom:staff_li, wecom:staff_wang]\n    city: [telegram:9001]\n",
    )


@pytest.fixture
def staffed_engine(fixture_kb, staffed_settings, clock) -> Engine:
    return Engine(fixture_kb, staffed_settings, open_db(staffed_settings.db_path), clock)


@pytest.fixture
def api() -> FakeWeComAPI:
    return FakeWeComAPI(visible_users={"firm_a", "firm_b", "staff_li", "staff_wang"})


@pytest_asyncio.fixture
async def peer(staffed_engine, staffed_settings, clock, api):
    http, callback = await serve(staffed_engine, staffed_settings, clock, api)
    yield WeComPeer(http, clock)
    await http.aclose()
    await callback.sender.aclose()


async def firm_in_jianyang(peer, user: str = "firm_a") -> None:
    await peer.say(user, "/profile")
    await peer.say(user, "2")  # 建阳区
    await peer.say(user, "0")
    await peer.say(user, "2")


def last(api: FakeWeComAPI, user: str) -> str:
    return api.texts_to(user)[-1]


async def test_firm_to_ticket_to_specialist_reply_and_back(peer, api, staffed_engine: Engine) -> None:
    await firm_in_jianyang(peer)
    await peer.say("firm_a", QUESTION)
    confirmation = await peer.say("firm_a", "转人工")
    assert confirmation.startswith(f"已转给人工服务专员（工单 #1）。问题：{QUESTION}\n")
    for staff in ("staff_li", "staff_wang"):  # the duty for 建阳区, through message/send
        [offer] = api.texts_to(staff)
        assert offer.startswith(f"🆕 转人工工单 #1\n县区：建阳区\n问题：{QUESTION}\n机器人的猜测：无")
        assert offer.endswith("发送「/claim 1」认领；认领后发送「/reply 1 答复内容」答复企业。")
        assert "firm_a" not in offer
    # the city pool is on Telegram: nothing for it until the ticket escalates
    assert staffed_engine.db["ticket_notices"].count_where("channel = 'telegram'") == 0

    claimed = await peer.say("staff_li", "/claim 1")
    assert claimed.startswith("✅ 您已认领工单 #1\n县区：建阳区") and "/reply 1 答复内容" in claimed
    assert last(api, "staff_wang") == "工单 #1 已由其他专员认领，无需处理。"
    assert last(api, "firm_a") == "👩‍💼 人工服务专员已接手您的问题（工单 #1），答复会发到这里。"
    assert await peer.say("staff_wang", "/claim 1") == "工单 #1 已由其他专员认领。"

    sent = await peer.say("staff_li", "/reply 1 请先固定证据。\n再到建阳区维权工作站咨询。")
    assert sent == "已把答复发给企业（工单 #1）。"
    assert last(api, "firm_a") == (
        "💬 人工服务专员答复（工单 #1）：\n请先固定证据。\n再到建阳区维权工作站咨询。\n\n"
        "发送「回复专员 您的内容」可以继续问专员；问题解决后发送「/close 1」。")
    assert "staff_li" not in last(api, "firm_a")

    assert await peer.say("firm_a", "回复专员 需要准备哪些材料？") == "已转给专员（工单 #1）。"
    assert last(api, "staff_li") == "💬 企业追问（工单 #1）：\n需要准备哪些材料？\n\n用 /reply 1 答复内容 答复。"
    assert "9个月" in await peer.say("firm_a", "商标注册要多久")  # ordinary questions still reach the Engine

    assert await peer.say("firm_a", "/close") == "工单 #1 已关闭，谢谢！"
    assert last(api, "staff_li").startswith("✅ 企业已关闭工单 #1（问题已解决）。")
    row = staffed_engine.db["tickets"].get(1)
    assert (row["channel"], row["status"], row["claimed_by"], row["closed_by"]) == (
        "wecom", "closed", "wecom:staff_li", "firm")
    assert row["address"] != "firm_a" and staffed_engine.events.unseal(row["address"]) == "firm_a"  # sealed


async def test_a_firm_cannot_use_the_specialist_commands(peer, api, staffed_engine: Engine) -> None:
    await peer.say("firm_a", "转人工 我们的茶叶包装被人仿冒了")
    for command in ("/claim 1", "/reply 1 自己答", "/draft 1", "/tickets"):
        assert await peer.say("firm_b", command) == "抱歉，这个命令仅限人工服务专员使用。", command
    assert await peer.say("firm_b", "/close 1") == "您目前没有进行中的转人工工单。有问题可以直接提问，或回复「转人工」。"
    assert staffed_engine.db["tickets"].get(1)["status"] == "open"
    assert await peer.say("staff_li", "/claim") == "用法：/claim 编号 · /reply 编号 答复内容 · /close 编号 · /draft 编号 · /tickets"
    assert await peer.say("staff_li", "/claim 7") == "没有工单 #7。"


async def test_minus_offers_a_specialist_by_number(peer, api, staffed_engine: Engine) -> None:
    await peer.say("firm_a", "商标注册要多久")
    await peer.say("firm_a", "-")
    confirmation = await peer.say("firm_a", "1")
    assert confirmation.startswith("已转给人工服务专员（工单 #1）。问题：商标注册要多久")
    assert staffed_engine.db["tickets"].get(1)["topic"] == "trademark"


async def test_an_unreachable_firm_is_reported_to_the_claimer(peer, api, staffed_engine: Engine) -> None:
    await firm_in_jianyang(peer)
    await peer.say("firm_a", f"转人工 {QUESTION}")
    await peer.say("staff_li", "/claim 1")
    api.visible_users.discard("firm_a")  # left the app's visible range
    await peer.say("staff_li", "/reply 1 请先固定证据。")
    assert last(api, "staff_li") == "⚠️ 工单 #1 的消息无法送达企业（对方已屏蔽机器人或不在应用可见范围内）。"
    statuses = {(n["role"], n["kind"], n["status"]) for n in staffed_engine.db["ticket_notices"].rows}
    assert ("firm", "answer", "blocked") in statuses


async def test_a_rate_limited_notice_waits_it_out(peer, api, staffed_engine: Engine, clock) -> None:
    await firm_in_jianyang(peer)
    api.send_errors.append({"errcode": 45009, "errmsg": "api freq out of limit"})
    asked = clock.now()
    await peer.say("firm_a", f"转人工 {QUESTION}")
    # WeCom asked for a pause (60 s): nothing went to the channel before it was over, then both offers did
    assert clock.now() - asked >= timedelta(seconds=WeComSettings.rate_limit_wait_seconds)
    assert len(api.texts_to("staff_li")) == len(api.texts_to("staff_wang")) == 1
    rows = {n["chat_id"]: (n["status"], n["attempts"]) for n in staffed_engine.db["ticket_notices"].rows}
    assert rows == {"staff_li": ("sent", 2), "staff_wang": ("sent", 1)}


async def test_the_lifespan_runs_the_service_that_escalates(staffed_engine, staffed_settings, clock, api) -> None:
    rounds = 0

    async def sleep(seconds: float) -> None:
        nonlocal rounds
        rounds += 1
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    services = build_services(staffed_settings, clock, engine=staffed_engine, sleep=sleep)
    app, callback = build_app(services, CREDENTIALS, WeComSettings(), transport=api.transport(), sleep=sleep)
    async with app.router.lifespan_context(app):
        staffed_engine.handle(callback.conversation.message("firm_a", f"转人工 {QUESTION}"))
        for _ in range(5000):
            if staffed_engine.db["tickets"].get(1)["escalated_at"]:
                break
            await asyncio.sleep(0)
    row = staffed_engine.db["tickets"].get(1)
    waited = datetime.fromisoformat(row["escalated_at"]) - datetime.fromisoformat(row["created"])
    assert timedelta(minutes=30) <= waited <= timedelta(minutes=31)  # checked once a minute on the service's tick
    assert rounds > 30
    telegram = list(staffed_engine.db["ticket_notices"].rows_where("channel = 'telegram'"))
    assert [(n["chat_id"], n["kind"], n["status"]) for n in telegram] == [("9001", "offer", "pending"),
                                                                          ("9001", "escalated", "pending")]


async def test_without_specialists_start_up_warns_and_the_firm_is_told_honestly(
    tmp_path, kb_dir, fixture_kb, clock, api, caplog
) -> None:
    unstaffed = write_settings(tmp_path, kb_dir)  # the shipped config: no specialist anywhere
    engine = Engine(fixture_kb, unstaffed, open_db(unstaffed.db_path), clock)
    with caplog.at_level("WARNING"):
        http, callback = await serve(engine, unstaffed, clock, api)
    assert any("no specialist" in r.getMessage() and "wecom" in r.getMessage() for r in caplog.records)
    peer = WeComPeer(http, clock)
    await peer.say("firm_a", QUESTION)
    said = await peer.say("firm_a", "转人工")
    assert "已转给" not in said and "目前没有人工服务专员值班" in said
    await http.aclose()
    await callback.sender.aclose()
