"""/deadline and /mydeadlines on WeCom (numbered removal) and on 微信客服 (a menu, and a word on how the
session window limits reminders); /help lists them on both."""
from __future__ import annotations

import pytest
from reminders_fakes import knowledge_with_reminder_facts
from test_wecom_server import api, server, wecom_engine, wecom_settings  # noqa: F401 (fixtures)

from bot.app import load_knowledge

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def deadline_kb(tmp_path_factory: pytest.TempPathFactory):
    return load_knowledge(knowledge_with_reminder_facts(tmp_path_factory.mktemp("kb") / "knowledge"))


async def test_a_wecom_firm_adds_lists_and_removes_a_deadline(server, wecom_engine, deadline_kb) -> None:
    peer, _ = server
    wecom_engine.load(deadline_kb)
    await peer.say("firm_a", "你好")
    assert (await peer.say("firm_a", "/deadline")).startswith("登记期限提醒：/deadline 类型 日期 [备注]")
    added = await peer.say("firm_a", "/deadline 商标 2027-03-15 第12345678号")
    assert added.startswith("已登记：商标有效期 2027-03-15（第12345678号）。将在以下日期 09:00 提醒您：")
    listed = await peer.say("firm_a", "/mydeadlines")
    assert listed.startswith("您登记的期限（点击删除）：\n#1 商标有效期 2027-03-15（第12345678号） · 下次提醒：")
    assert listed.endswith("  1. ✖ #1\n回复 1 选择")
    assert await peer.say("firm_a", "1") == "已删除期限 #1。\n还没有登记期限。用 /deadline 登记，例如「/deadline 商标 2027-03-15」"
    assert wecom_engine.db["deadlines"].count == 0
    assert "/deadline" in await peer.say("firm_a", "/help") and "/mydeadlines" in await peer.say("firm_a", "/help")


async def test_a_kf_firm_is_told_how_the_window_limits_its_deadline_reminders(kf, kf_engine, deadline_kb) -> None:
    kf_engine.load(deadline_kb)
    await kf.says("wmFirmA", "你好")
    [added] = await kf.says("wmFirmA", "/deadline 专利年费 2027-06-30")
    assert added.startswith("已登记：专利年费 2027-06-30。") and "48 小时内发送最多 5 条消息" in added
    await kf.says("wmFirmA", "/mydeadlines")
    assert kf.last_menu("wmFirmA") == ["✖ #1"]
    [removed] = await kf.clicks("wmFirmA", "✖ #1")
    assert removed.startswith("已删除期限 #1。")
