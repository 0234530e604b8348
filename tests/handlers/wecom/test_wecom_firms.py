"""WeCom firms through the signed, encrypted callback: the profile (shared with Telegram), onboarding,
/lang, /subscribe, /forget, /help, /topics, /station and shared locations."""
from __future__ import annotations

import json

import pytest
from test_wecom_server import api, server, wecom_engine, wecom_settings  # noqa: F401 (fixtures)

from bot.answering.engine import Engine

pytestmark = pytest.mark.asyncio

COUNTY_NUMBER = {"邵武市": "3", "建阳区": "2"}


def firm_row(engine: Engine, user_id: str = "firm_a") -> dict | None:
    user = engine.events.firm("wecom", user_id)
    return next(engine.db.query("select * from firms where user = ?", [user]), None)


def events(engine: Engine, kind: str) -> list[dict]:
    return list(engine.db["events"].rows_where("kind = ?", [kind], order_by="id"))


async def event(peer, user: str, name: str) -> str:
    response = await peer.post(peer.event_xml(user, name))
    return peer.reply_fields(response)["Content"] if response.content else ""


async def test_subscribe_welcomes_and_walks_through_the_profile(server, wecom_engine) -> None:
    peer, _ = server
    welcome = await event(peer, "firm_a", "subscribe")
    assert welcome.startswith("您好，我是知创助手")
    assert "🔒 我们只保存" in welcome and "/forget" in welcome and "不构成法律意见" in welcome
    assert "请选择企业所在的县（市、区）" in welcome and "  3. 邵武市" in welcome
    assert "  12. 南平市（市本级）" in welcome and welcome.endswith("回复 1–12 选择，回复 0 跳过")
    row = firm_row(wecom_engine)
    assert (row["channel"], row["chat_id"], row["language"], row["active"], row["notices"]) == (
        "wecom", "firm_a", "zh", 1, 0)
    assert row["county"] is None and row["industry"] is None

    industry = await peer.say("firm_a", "3")
    assert industry.startswith("企业属于哪个行业？\n  1. 茶叶") and industry.endswith("回复 0 跳过")
    notices = await peer.say("firm_a", "1")
    assert "服务通知" in notices and notices.endswith("  1. 接收\n  2. 不接收\n回复 1/2 选择")
    assert await peer.say("firm_a", "1") == "企业资料：县区 邵武市 · 行业 茶叶 · 服务通知 接收。用 /profile 修改。"
    row = firm_row(wecom_engine)
    assert (row["county"], row["industry"], row["notices"]) == ("邵武市", "tea", 1)

    answer = await peer.say("firm_a", "商标注册要多久")  # the profile reaches the Engine
    assert "9个月" in answer and "您好" not in answer and "/profile" not in answer
    assert events(wecom_engine, "question")[-1]["county"] == "邵武市"
    stations = await peer.say("firm_a", "/station 商标")
    assert stations.startswith("在邵武市办理商标事项，可以找：\n· 测试邵武茶业指导站")  # the industry too


async def test_profile_steps_can_be_skipped_and_a_question_ends_the_walk(server, wecom_engine) -> None:
    peer, _ = server
    await event(peer, "firm_a", "subscribe")
    assert (await peer.say("firm_a", "0")).startswith("企业属于哪个行业？")
    assert "服务通知" in await peer.say("firm_a", "跳过")
    assert await peer.say("firm_a", "2") == "企业资料：县区 未填写 · 行业 未填写 · 服务通知 不接收。用 /profile 修改。"

    profile = await peer.say("firm_a", "/profile")
    assert profile.startswith("企业资料：县区 未填写") and "  2. 建阳区" in profile
    assert "9个月" in await peer.say("firm_a", "商标注册要多久")  # not a number: answered, the walk ends
    assert "270元" in await peer.say("firm_a", "1")  # the answer's first choice, not 延平区
    assert firm_row(wecom_engine)["county"] is None
    assert events(wecom_engine, "choice")[-1]["intent"] == "tm_fee"


async def test_the_last_profile_question_cannot_be_skipped_with_0(server, wecom_engine) -> None:
    peer, _ = server
    await event(peer, "firm_a", "subscribe")
    await peer.say("firm_a", "0")
    await peer.say("firm_a", "0")
    assert (await peer.say("firm_a", "0")).startswith("数字用来选择列出的选项")  # 0 picks nothing here
    assert firm_row(wecom_engine)["notices"] == 0


async def test_lang_sets_the_profile_language(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "你好")
    assert await peer.say("firm_a", "/lang en") == "Language set to English."
    assert firm_row(wecom_engine)["language"] == "en"
    answer = await peer.say("firm_a", "商标注册要多久")  # a Chinese question, an English profile
    assert answer.startswith("Substantive examination") and "Reply + or - to rate this answer" in answer
    choose = await peer.say("firm_a", "/lang")
    assert choose == "请选择语言 / Choose a language:\n  1. 中文\n  2. English\nReply 1/2 to choose"
    assert await peer.say("firm_a", "1") == "已切换为中文。"
    assert "1. 中文" in await peer.say("firm_a", "/lang fr")
    assert firm_row(wecom_engine)["language"] == "zh"


async def test_subscribe_and_unsubscribe_by_number_and_by_name(server, wecom_engine, clock) -> None:
    peer, _ = server
    offer = await peer.say("firm_a", "/subscribe")
    assert "目前没有订阅任何主题。" in offer and "  1. 商标\n" in offer and "  11. 政策与目标" in offer
    after = await peer.say("firm_a", "1")
    assert after.startswith("已订阅：商标") and "  1. 知识产权质押融资" in after  # the rest, numbered again
    assert (await peer.say("firm_a", "/subscribe 专利")).startswith("已订阅：商标、专利")
    assert (await peer.say("firm_a", "/subscribe Copyright")).startswith("已订阅：商标、版权登记、专利")
    refused = await peer.say("firm_a", "/subscribe 天气")
    assert refused.startswith("没有“天气”这个主题。\n已订阅：商标、版权登记、专利")
    user = wecom_engine.events.firm("wecom", "firm_a")
    rows = list(wecom_engine.db["subscriptions"].rows_where("user = ?", [user]))
    assert {r["topic"] for r in rows} == {"trademark", "patent", "copyright"}
    assert {r["consented_at"] for r in rows} == {"2026-11-25T02:00:00+00:00"}

    current = await peer.say("firm_a", "/unsubscribe")
    assert current.endswith("  1. 商标\n  2. 版权登记\n  3. 专利\n回复 1/2/3 选择")
    assert (await peer.say("firm_a", "1")).startswith("已订阅：版权登记、专利")
    assert (await peer.say("firm_a", "/unsubscribe trademark")).startswith("已订阅：版权登记、专利")
    await peer.say("firm_a", "/unsubscribe patent")
    assert await peer.say("firm_a", "/unsubscribe copyright") == "目前没有订阅任何主题。"
    assert wecom_engine.db["subscriptions"].count == 0


async def test_forget_asks_first_then_does_what_telegram_does(server, wecom_engine) -> None:
    peer, _ = server
    user, firm = wecom_engine.events.user("wecom", "firm_a"), wecom_engine.events.firm("wecom", "firm_a")
    wecom_engine.db["deadlines"].insert({"user": firm, "due": "2027-01-01"})
    await event(peer, "firm_a", "subscribe")
    await peer.say("firm_a", "3")
    await peer.say("firm_a", "/subscribe 商标")
    await peer.say("firm_a", "转人工 我的商标被抢注了")
    await peer.say("firm_a", "我们厂的商业秘密被员工带走了")  # a question the Engine remembers
    await peer.say("firm_b", "商标注册要多久")  # someone else, untouched

    confirm = await peer.say("firm_a", "/forget")
    assert confirm.startswith("确定删除您的企业资料") and confirm.endswith("  1. 确认删除\n  2. 取消\n回复 1/2 选择")
    assert await peer.say("firm_a", "2") == "已取消，没有删除任何资料。"
    assert firm_row(wecom_engine) is not None
    await peer.say("firm_a", "/forget")
    assert (await peer.say("firm_a", "1")).startswith("已删除。")

    assert firm_row(wecom_engine) is None
    for table, key in (("subscriptions", firm), ("deadlines", firm), ("tickets", user)):
        assert wecom_engine.db[table].count_where("user = ?", [key]) == 0, table
    rows = list(wecom_engine.db["events"].rows)
    assert all(r["user"] != user for r in rows)
    kept = [r for r in rows if r["user"] is not None]  # firm_b's question
    assert len(kept) == 1 and kept[0]["question"]
    assert kept[0]["user"] == wecom_engine.events.user("wecom", "firm_b")
    # the Engine forgot the conversation too: nothing is left to hand off
    assert "请先输入您想问专员的问题" in await peer.say("firm_a", "转人工")
    assert firm_row(wecom_engine)["county"] is None  # writing again starts a new, empty profile


async def test_forget_yes_erases_at_once(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "商标注册要多久")
    assert (await peer.say("firm_a", "/forget yes")).startswith("已删除。")
    assert firm_row(wecom_engine) is None
    assert wecom_engine.db["events"].count_where("user is not null") == 0


async def test_help_topics_and_unknown_commands(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "你好")
    help_text = await peer.say("firm_a", "/help")
    assert "/station" in help_text and "/subscribe" in help_text and "/stats" not in help_text
    assert "/stats" in await peer.say("staff_li", "/help")
    menu = await peer.say("firm_a", "/topics")
    assert menu.startswith("请选择主题：\n  1. 商标\n") and menu.endswith("回复 1–11 选择")
    assert "商标注册要多长时间" in await peer.say("firm_a", "1")
    assert events(wecom_engine, "choice")[-1]["intent"] == "topic:trademark"
    before = wecom_engine.db["events"].count
    assert await peer.say("firm_a", "/frobnicate") == "没有这个命令，发送 /help 查看可用命令。"
    assert wecom_engine.db["events"].count == before


async def test_specialist_commands_make_no_firm_and_no_welcome(server, wecom_engine) -> None:
    peer, _ = server
    assert (await peer.say("staff_li", "/stats")).startswith("【今日】📊")
    assert firm_row(wecom_engine, "staff_li") is None


async def test_station_asks_topic_then_county_and_records_referrals(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "你好")
    ask_topic = await peer.say("firm_a", "/station")
    assert ask_topic.startswith("您要办理哪方面的事项？") and "  11. 不限 / 其他" in ask_topic
    assert "服务站点" not in ask_topic.split("\n", 1)[1]
    ask_county = await peer.say("firm_a", "1")
    assert "哪个县" in ask_county and ask_county.endswith("回复 1–12 选择，回复 0 跳过")
    stations = await peer.say("firm_a", COUNTY_NUMBER["邵武市"])
    assert stations.startswith("在邵武市办理商标事项，可以找：\n· 测试邵武指导站甲")
    shown = events(wecom_engine, "referral")
    stations = [json.loads(r["detail"])["station"] for r in shown]
    assert stations == ["t_shaowu_a", "t_shaowu_park", "t_shaowu_tea"]
    assert {(r["channel"], r["county"], r["intent"]) for r in shown} == {
        ("wecom", "邵武市", "where:topic:trademark")}
    assert firm_row(wecom_engine)["county"] is None  # a search, not the profile

    await peer.say("firm_a", "/station copyright")
    assert (await peer.say("firm_a", "0")).startswith("办理版权登记事项，可以找：\n· 测试版权服务")


async def test_where_do_i_go_by_number_lists_stations(server, wecom_engine) -> None:
    peer, _ = server
    answer = await peer.say("firm_a", "注册商标多少钱")
    assert "  2. 去哪里办？" in answer
    assert (await peer.say("firm_a", "2")).startswith("办理商标事项，可以找：\n· 测试商标受理窗口")
    [referral] = events(wecom_engine, "referral")
    assert json.loads(referral["detail"])["via"] == "choice"


async def test_shared_location_lists_the_nearest_stations(server, wecom_engine) -> None:
    peer, _ = server
    reply = peer.reply_fields(await peer.post(peer.location_xml("firm_a", "27.34", "117.47")))["Content"]
    assert "离您最近的站点：\n· 测试邵武指导站甲" in reply and "距您约2.0公里" in reply
    assert {json.loads(r["detail"])["via"] for r in events(wecom_engine, "referral")} == {"location"}
    assert "117.47" not in json.dumps(list(wecom_engine.db["events"].rows))
    odd = peer.reply_fields(await peer.post(peer.location_xml("firm_a", "north", "117.47")))["Content"]
    assert odd == "这个位置无法识别，请重新发送位置，或告诉我您所在的县（市、区）。"
    assert peer.reply_fields(await peer.post(peer.location_xml("firm_a", "95", "117")))["Content"] == odd


async def test_unfollowing_marks_the_firm_inactive_until_it_writes_again(server, wecom_engine) -> None:
    peer, _ = server
    await event(peer, "firm_a", "subscribe")
    assert await event(peer, "firm_a", "unsubscribe") == ""
    assert firm_row(wecom_engine)["active"] == 0
    await peer.say("firm_a", "商标注册要多久")
    assert firm_row(wecom_engine)["active"] == 1
    await event(peer, "firm_b", "unsubscribe")  # never wrote: nothing to mark
    assert firm_row(wecom_engine, "firm_b") is None


async def test_start_welcomes_asks_the_profile_once(server, wecom_engine) -> None:
    peer, _ = server
    first = await peer.say("firm_a", "/start")
    assert first.count("您好，我是知创助手") == 1 and "请选择企业所在的县" in first
    assert "/profile 可填写" not in first  # already asking: no invitation
    assert firm_row(wecom_engine)["chat_id"] == "firm_a"
    again = await peer.say("firm_a", "/start")
    assert again.startswith("您好，我是知创助手") and "请选择企业所在的县" not in again


async def test_menu_click_for_stations(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "/profile")
    await peer.say("firm_a", COUNTY_NUMBER["建阳区"])
    clicked = peer.reply_fields(await peer.post(peer.event_xml("firm_a", "click", "where:topic:trademark")))
    assert clicked["Content"].startswith("在建阳区办理商标事项，可以找：\n· 测试建阳指导站")
    assert events(wecom_engine, "referral")[0]["channel"] == "wecom"


async def test_the_welcome_points_only_at_what_it_shows(server) -> None:
    peer, _ = server
    for first in ("你好", "/start"):
        said = await peer.say(f"firm_{first}", first)
        assert "从下面的主题开始" not in said and "/topics" in said


async def test_a_specialists_question_gets_no_onboarding_and_no_firm(server, wecom_engine) -> None:
    peer, _ = server
    said = await peer.say("staff_li", "商标注册要多久")
    assert "9个月" in said and "知创助手" not in said and "县（市、区）" not in said
    assert firm_row(wecom_engine, "staff_li") is None
    assert events(wecom_engine, "question")[-1]["internal"] == 1


async def test_a_specialist_who_fills_in_a_profile_gets_one(server, wecom_engine) -> None:
    peer, _ = server
    assert "县（市、区）" in await peer.say("staff_li", "/profile")
    assert "行业" in await peer.say("staff_li", COUNTY_NUMBER["邵武市"])
    assert firm_row(wecom_engine, "staff_li")["county"] == "邵武市"
