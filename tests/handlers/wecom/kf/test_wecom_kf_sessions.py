"""微信客服's session rules as outcomes, through the local fake: 转人工 → ticket → the specialist's answer
reaches the firm through the bot; outside the window (48 hours, 5 messages) a ticket answer or a reminder
waits, is shown to the specialist and in the delivery report, and goes out when the firm writes; a session
held by a servicer (95018) is recorded, not retried until the firm writes again."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from kf_harness import KfChannel, chat
from wecom_kf_fake import KFID

from bot.common.schedule import When
from bot.delivery.outbox import BROADCAST, Audience, Creator, Outbox

pytestmark = pytest.mark.asyncio

QUESTION = "我们的茶叶包装被人仿冒了怎么办"


async def handed_off(kf: KfChannel) -> None:
    """A firm of 建阳区 (from the QR code) asks for a person; staff_li (on duty, WeCom app) claims."""
    await kf.enters("wmFirmA", "county:建阳区")
    await kf.says("wmFirmA", QUESTION)
    [confirmation] = await kf.says("wmFirmA", "转人工")
    assert confirmation.startswith(f"已转给人工服务专员（工单 #1）。问题：{QUESTION}")
    assert await kf.peer.say("staff_li", "/claim 1")


async def test_handoff_ticket_and_the_specialists_answer_reaches_the_firm_in_wechat(kf, kf_engine) -> None:
    await handed_off(kf)
    [offer] = kf.api.texts_to("staff_li")[:1]
    assert offer.startswith("🆕 转人工工单 #1\n县区：建阳区") and "wmFirmA" not in offer
    assert kf.api.texts_seen_by("wmFirmA")[-1].startswith("👩‍💼 人工服务专员已接手您的问题（工单 #1）")
    assert await kf.peer.say("staff_li", "/reply 1 请先固定证据。") == "已把答复发给企业（工单 #1）。"
    assert kf.api.texts_seen_by("wmFirmA")[-1] == (
        "💬 人工服务专员答复（工单 #1）：\n请先固定证据。\n\n"
        "发送「回复专员 您的内容」可以继续问专员；问题解决后发送「/close 1」。")
    [sent] = await kf.says("wmFirmA", "回复专员 需要哪些材料？")
    assert sent == "已转给专员（工单 #1）。"
    assert kf.api.texts_to("staff_li")[-1].startswith("💬 企业追问（工单 #1）：\n需要哪些材料？")
    ticket = kf_engine.db["tickets"].get(1)
    assert ticket["channel"] == "wecom_kf" and kf_engine.events.unseal(ticket["address"]) == chat("wmFirmA")
    assert "kf/service_state/trans" not in kf.api.calls  # the session never left the bot


async def test_an_answer_outside_the_window_waits_and_goes_out_when_the_firm_writes(kf, kf_engine, clock) -> None:
    await handed_off(kf)
    clock.advance(timedelta(hours=49))  # 48 hours after the firm's last message
    await kf.peer.say("staff_li", "/reply 1 请先固定证据。")
    assert kf.api.refused[-1][1] == 95001
    notice = next(kf_engine.db["ticket_notices"].rows_where("role = 'firm' and kind = 'answer'"))
    assert notice["status"] == "waiting"
    assert kf.api.texts_to("staff_li")[-1].startswith("⏳ 工单 #1 的答复已记录")  # shown to the specialist
    refused = len(kf.api.refused)
    await kf.peer.say("staff_li", "/tickets")  # later rounds do not try again
    assert len(kf.api.refused) == refused
    seen = await kf.says("wmFirmA", "你好")
    assert any(s.startswith("💬 人工服务专员答复（工单 #1）：\n请先固定证据。") for s in seen)
    assert kf_engine.db["ticket_notices"].get(notice["id"])["status"] == "sent"


async def test_a_sixth_message_waits_and_the_reminder_goes_out_when_the_firm_writes(kf, kf_engine, clock) -> None:
    assert len(await kf.says("wmFirmA", "商标注册要多久")) == 1  # one reply: 4 more may go within 48 hours
    firm = kf_engine.events.firm("wecom_kf", chat("wmFirmA"))
    outbox = Outbox(kf_engine.db)
    creator = Creator("wecom", "staff_li", "staff_li")
    ids = [outbox.create(kind=BROADCAST, text=f"提醒 {n}", audience=Audience(users=(firm,)), when=When(None),
                         now=clock.now(), creator=creator) for n in range(5)]
    for broadcast in ids:
        outbox.fire(broadcast, clock.now())
    await run_until_idle(kf.dispatcher, clock)
    assert [outbox.delivery(b).waiting for b in ids] == [0, 0, 0, 0, 1]
    assert "其中 1 条等待微信客服会话重新开放" in "\n".join(kf.api.texts_to("staff_li"))
    assert sum(s.startswith("提醒") for s in kf.api.texts_seen_by("wmFirmA")) == 4
    await kf.says("wmFirmA", "谢谢")
    await run_until_idle(kf.dispatcher, clock)
    assert outbox.delivery(ids[-1]).delivered == 1
    assert sorted(s.split("\n")[0] for s in kf.api.texts_seen_by("wmFirmA") if s.startswith("提醒")) == [
        f"提醒 {n}" for n in range(5)]


async def test_a_session_held_by_a_servicer_is_recorded_and_not_retried_forever(kf, kf_engine) -> None:
    await kf.says("wmFirmA", "你好")
    kf.api.servicer_takes("wmFirmA")
    assert await kf.says("wmFirmA", "商标注册要多久") == []
    assert kf.api.refused[-1][1] == 95018 and "kf/service_state/get" in kf.api.calls
    [waiting] = kf_engine.db["kf_replies"].rows_where("status = 'waiting'")
    assert "servicer" in waiting["last_error"]
    await kf.says("wmFirmB", "你好")  # other passes leave it waiting
    assert len([r for r in kf.api.refused if r[1] == 95018]) == 1
    first = kf.api.refused[-1][0]
    await kf.says("wmFirmA", "还在吗")  # the firm writes: tried once more (with the new reply), still held
    tries = Counter(msgid for msgid, code in kf.api.refused if code == 95018)
    assert tries.pop(first) == 2 and set(tries.values()) == {1}
    kf.api.session(KFID, "wmFirmA").state = 1  # the session is back with the bot
    seen = await kf.says("wmFirmA", "在吗")
    assert any("9个月" in s for s in seen)
    assert kf_engine.db["kf_replies"].count == 0


async def run_until_idle(dispatcher, clock) -> None:
    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    dispatcher.sleep = sleep
    await dispatcher.run(until_idle=True)
