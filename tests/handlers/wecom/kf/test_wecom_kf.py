"""微信客服 through the local fake: the enter-session welcome that knows the county, answers with
clickable menus, a chosen item, a follow-up, the text-only and location replies, /subscribe and /forget."""
from __future__ import annotations

from datetime import timedelta

import pytest
from kf_harness import chat
from wecom_kf_fake import KFID, kf_event_xml

from bot.answering.engine import Engine
from bot.firms.profiles import Profiles

pytestmark = pytest.mark.asyncio


def firm_of(engine: Engine, user: str):
    return Profiles(engine.db).get(engine.events.firm("wecom_kf", chat(user)))


async def test_entering_from_a_station_qr_code_welcomes_with_the_county(kf, kf_engine) -> None:
    [welcome] = await kf.enters("wmFirmA", "county:建阳区")
    assert welcome.startswith("您好，我是知创助手")
    assert "🔒" in welcome and "已按您扫码的服务站记下所在县区：建阳区" in welcome
    assert "[茶叶]" in welcome or "行业" in welcome  # the next profile question, as menu items
    assert kf.api.kf_sent[-1]["msgtype"] == "msgmenu" and "code" in kf.api.kf_sent[-1]  # send_msg_on_event
    firm = firm_of(kf_engine, "wmFirmA")
    assert (firm.channel, firm.county) == ("wecom_kf", "建阳区")


async def test_a_station_id_scene_gives_the_station_county_and_a_known_firm_keeps_its_own(kf, kf_engine) -> None:
    await kf.enters("wmFirmB", "station:t_window")  # the test window serves the whole city
    assert firm_of(kf_engine, "wmFirmB").county == "city"
    await kf.enters("wmFirmB", "county:邵武市")
    assert firm_of(kf_engine, "wmFirmB").county == "city"


async def test_an_expired_welcome_code_leaves_the_welcome_waiting_for_the_first_message(kf, clock) -> None:
    token = kf.api.enter_session("wmFirmA", "建阳区")
    clock.advance(timedelta(seconds=30))  # the code is valid 20 s
    await kf.announce(token)
    assert kf.api.seen_by("wmFirmA") == []
    seen = await kf.says("wmFirmA", "商标注册要多久")
    assert seen[0].startswith("您好，我是知创助手") and any("9个月" in s for s in seen)


async def test_a_question_gets_a_menu_and_a_chosen_item_is_answered(kf, kf_engine) -> None:
    await kf.says("wmFirmA", "你好")  # the first contact: welcome and profile invite
    [answer] = await kf.says("wmFirmA", "商标注册要多久")
    assert "9个月" in answer
    assert kf.last_menu("wmFirmA") == ["注册商标的官费", "商标续展", "去哪里办？"]
    assert answer.endswith("回复「+」或「-」评价这个回答")
    [fee] = await kf.clicks("wmFirmA", "注册商标的官费")
    assert fee.startswith("网上申请每类270元")
    [follow_up] = await kf.says("wmFirmA", "商标续展怎么办")
    assert "续展" in follow_up
    assert {row["channel"] for row in kf_engine.db["events"].rows} == {"wecom_kf"}  # its own channel id


async def test_a_click_on_an_older_menu_is_read_as_its_words(kf) -> None:
    await kf.says("wmFirmA", "商标注册要多久")
    await kf.says("wmFirmA", "质押融资怎么办")  # a newer menu: its item 1 is something else
    [answer] = await kf.says("wmFirmA", "注册商标的官费", menu_id="1")
    assert answer.startswith("网上申请每类270元")


async def test_more_than_ten_choices_come_as_two_menus(kf) -> None:
    await kf.says("wmFirmA", "你好")
    seen = await kf.says("wmFirmA", "今天天气怎么样")  # the fallback offers 11 topics and 转人工
    menus = [m for m in kf.api.seen_by("wmFirmA")[-2:] if m["msgtype"] == "msgmenu"]
    assert [len(m["msgmenu"]["list"]) for m in menus] == [10, 2]
    assert seen[0].startswith("抱歉") and seen[1].endswith("[留给专员]")


async def test_voice_image_and_file_get_the_text_only_reply(kf) -> None:
    await kf.says("wmFirmA", "你好")
    for kind in ("voice", "image", "file"):
        [reply] = await kf.sends("wmFirmA", kind, {kind: {"media_id": "m1"}})
        assert reply == "目前只能回答文字问题，请用文字输入您的问题，例如「商标注册要多久」。"


async def test_a_shared_location_finds_the_nearest_station(kf) -> None:
    await kf.says("wmFirmA", "你好")
    [reply] = await kf.sends("wmFirmA", "location", {"location": {
        "latitude": 27.33, "longitude": 118.12, "name": "某地", "address": "测试路"}})
    assert "测试商标受理窗口" in reply


async def test_subscribe_says_how_the_session_window_limits_reminders(kf) -> None:
    await kf.says("wmFirmA", "你好")
    seen = await kf.says("wmFirmA", "/subscribe")
    assert "48 小时内发送最多 5 条消息" in "\n".join(seen)


async def test_forget_erases_the_firm_and_the_channel_keeps_no_trace(kf, kf_engine) -> None:
    await kf.says("wmFirmA", "我们的茶叶商标被人抢注了")
    await kf.says("wmFirmA", "/forget")
    [done] = await kf.says("wmFirmA", "/forget yes")
    assert "删除" in done
    assert firm_of(kf_engine, "wmFirmA") is None
    db = kf_engine.db
    for table in ("kf_inbox", "kf_replies", "firms", "events", "inbound_seen"):
        for row in db[table].rows:
            assert "wmFirmA" not in str(row) and "茶叶商标" not in str(row), (table, row)


async def test_a_repeated_callback_and_a_stale_token_answer_once(kf) -> None:
    token = kf.api.customer_says("wmFirmA", "商标注册要多久")
    await kf.announce(token)
    kf.api.expire_all()  # the access token went stale meanwhile
    await kf.announce(token)  # WeCom repeats the callback
    [answer] = kf.api.texts_seen_by("wmFirmA")  # the welcome and the answer in one menu, once
    assert "9个月" in answer and kf.api.refused == []
    assert kf.api.tokens_issued == 2  # fetched again after 42001


async def test_a_stale_callback_token_still_gets_the_messages(kf, clock) -> None:
    token = kf.api.customer_says("wmFirmA", "商标注册要多久")
    clock.advance(timedelta(minutes=11))  # the token is valid 10 minutes; the window 48 hours
    await kf.announce(token)
    assert "9个月" in kf.api.texts_seen_by("wmFirmA")[0]


async def test_the_kf_event_needs_its_token_and_account(kf) -> None:
    created = int(kf.peer.clock.now().timestamp())
    for missing in ("<Token><![CDATA[cbtoken1]]></Token>", "<OpenKfId><![CDATA[wkStation001]]></OpenKfId>"):
        response = await kf.peer.post(kf_event_xml("cbtoken1", created=created).replace(missing, ""))
        assert response.status_code == 400 and response.text == "malformed message"
    assert kf.callback.rejections.counts["malformed_message"] == 2


async def test_the_wecom_app_is_answered_as_before_on_the_same_callback(kf) -> None:
    assert "9个月" in await kf.peer.say("staff_li", "商标注册要多久")
    assert KFID not in str(kf.api.sent)


async def test_the_fake_demo_runs_a_firm_through_welcome_question_and_handoff(kf_settings) -> None:
    from handlers.wecom.kf_demo import demo

    said: list[str] = []
    script = [":scan county:建阳区", "商标注册要多久", ":click 注册商标的官费", ":click 没有这项", "转人工",
              ":staff /claim 1", ":wait 49", ":staff /reply 1 请先查询近似商标。", "你好", ":quit", "不会读到"]
    await demo(kf_settings, script, said.append)
    shown = "\n".join(said)
    assert "已按您扫码的服务站记下所在县区：建阳区" in shown and "网上申请每类270元" in shown
    assert "（没有菜单项「没有这项」）" in shown and "[staff_li 企业微信，通知] 🆕 转人工工单 #1" in shown
    assert "⏳ 工单 #1 的答复已记录" in shown and shown.endswith("请先查询近似商标。\n\n发送「回复专员 您的内容」可以继续问专员；问题解决后发送「/close 1」。\n")
    assert "不会读到" not in shown
