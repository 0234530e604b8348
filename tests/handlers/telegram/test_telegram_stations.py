"""Service stations in Telegram: the 去哪里办？ button, /station, a shared location — through process_update."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tg_harness import FIRM, labels, start_bot

from bot.answering.engine import Engine
from bot.stations.directory import Directory, stations_of

pytestmark = pytest.mark.asyncio


def referrals(engine: Engine) -> list[dict]:
    rows = engine.db["events"].rows_where("kind = 'referral'", order_by="id")
    return [{**row, "detail": json.loads(row["detail"])} for row in rows]


def firm_row(engine: Engine) -> dict | None:
    user = engine.events.firm("telegram", str(FIRM))
    return next(engine.db.query("select * from firms where user = ?", [user]), None)


async def location(tg, lat: float, lon: float) -> None:
    await tg.process({"message": tg.message(FIRM, location={"latitude": lat, "longitude": lon})})


async def test_pressing_where_do_i_go_lists_stations_and_records_referrals(tg, engine: Engine) -> None:
    await tg.say(FIRM, "商标注册要多久")
    [answer] = tg.new("sendMessage")
    assert tg.button("去哪里办？")[1] == "a:where:tm_duration"
    await tg.press(FIRM, "去哪里办？")
    [stations] = tg.new("sendMessage")
    assert stations.params["text"].startswith("办理商标事项，可以找：\n· 测试商标受理窗口")
    assert "电话：0599-0000001" in stations.params["text"]
    question, choice = (engine.db["events"].get(e) for e in (1, 2))
    assert (choice["kind"], choice["intent"]) == ("choice", "where:tm_duration")
    assert choice["reply_to"] == question["id"]
    [referral] = referrals(engine)
    assert referral["reply_to"] == choice["id"] and referral["channel"] == "telegram"
    assert referral["detail"] == {"station": "t_window", "type": "trademark_window", "county": "city",
                                  "topic": "trademark", "rank": 1, "via": "choice", "sample": True}


async def test_where_button_uses_the_profile_county(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "建阳区")
    await tg.say(FIRM, "注册商标多少钱")
    await tg.press(FIRM, "去哪里办？")
    assert tg.texts()[-1].startswith("在建阳区办理商标事项，可以找：")
    assert {r["county"] for r in referrals(engine)} == {"建阳区"}  # the firm's county on the event


async def test_station_asks_topic_and_county_when_the_profile_lacks_them(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/station")
    [ask_topic] = tg.new("sendMessage")
    assert ask_topic.params["text"].startswith("您要办理哪方面的事项？")
    assert "商标" in labels(ask_topic) and "不限 / 其他" in labels(ask_topic)
    assert "服务站点" not in labels(ask_topic)
    await tg.press(FIRM, "商标")
    [ask_county] = tg.new("editMessageText")
    assert "哪个县" in ask_county.params["text"] and "发送位置" in ask_county.params["text"]
    assert "邵武市" in labels(ask_county) and "跳过" in labels(ask_county)
    assert tg.button("邵武市")[1] == "st:trademark:邵武市"
    await tg.press(FIRM, "邵武市")
    [stations] = tg.new("sendMessage")
    assert stations.params["text"].startswith("在邵武市办理商标事项，可以找：\n· 测试邵武指导站甲")
    assert stations.params["text"].count("· ") == 3
    shown = referrals(engine)
    assert [r["detail"]["station"] for r in shown] == ["t_shaowu_a", "t_shaowu_park", "t_shaowu_tea"]
    assert {(r["intent"], r["county"], r["detail"]["via"]) for r in shown} == {
        ("where:topic:trademark", "邵武市", "choice")}
    assert firm_row(engine) is None  # the county picked for this search is not stored as a profile


async def test_a_county_picked_for_station_wins_over_an_earlier_search(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/station 商标")
    await tg.press(FIRM, "邵武市")
    await tg.say(FIRM, "/station 商标")
    await tg.press(FIRM, "建阳区")
    assert tg.texts()[-1].startswith("在建阳区办理商标事项，可以找：\n· 测试建阳指导站")


async def test_station_with_a_profile_goes_straight_to_stations(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "邵武市")
    await tg.press(FIRM, "茶叶")
    tg.new()
    await tg.say(FIRM, "/station trademark")
    [stations] = tg.new("sendMessage")
    assert stations.params["text"].startswith("在邵武市办理商标事项，可以找：\n· 测试邵武茶业指导站")
    assert "服务茶叶企业" in stations.params["text"]  # the profile's industry reached the Engine
    await tg.say(FIRM, "/station")
    await tg.press(FIRM, "不限 / 其他")
    assert tg.texts()[-1].startswith("在邵武市办理知识产权事项，可以找：")
    assert referrals(engine)[-1]["intent"] == "where"


async def test_station_county_can_be_skipped_and_english_works(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/station", lang="en")
    await tg.press(FIRM, "Copyright", lang="en")
    await tg.press(FIRM, "Skip", lang="en")
    [stations] = tg.texts()[-1:]
    assert "测试版权服务" in stations and stations.startswith("For Copyright, you can go to:")
    assert [r["detail"]["station"] for r in referrals(engine)] == ["t_copyright"]


async def test_stale_or_forged_station_buttons_do_nothing(tg, engine: Engine) -> None:
    for data in ("st:nonsense", "st:service_station:邵武市", "st:trademark:武汉市"):
        await tg.process({"callback_query": {
            "id": "9", "from": tg.user(FIRM), "chat_instance": "c", "data": data,
            "message": tg.message(FIRM, text="…"),
        }})
    texts = tg.texts()
    assert len(texts) == 1 and texts[0].startswith("办理商标事项")  # an unknown county: city-level only


async def test_shared_location_lists_the_nearest_stations_without_storing_it(tg, engine: Engine) -> None:
    await location(tg, 27.34, 117.47)
    [nearest] = tg.new("sendMessage")
    assert nearest.params["text"].startswith("离您最近的站点：\n· 测试邵武指导站甲")
    assert "距您约2.0公里" in nearest.params["text"]
    shown = referrals(engine)
    assert [r["detail"]["station"] for r in shown] == ["t_shaowu_a", "t_shaowu_tea", "t_shaowu_zcw"]
    assert {r["detail"]["via"] for r in shown} == {"location"}
    stored = json.dumps(list(engine.db["events"].rows), ensure_ascii=False)
    assert "27.34" not in stored and "117.47" not in stored


async def bot_without_positions(settings, fixture_kb, fresh_db, clock):
    """The bot over the fixture directory with every station's coordinates removed (as in the sample)."""
    directory = stations_of(fixture_kb)
    unlocated = Directory(
        tuple(replace(s, lat=None, lon=None) for s in directory.stations), directory.handled_by
    )
    kb = replace(fixture_kb, extras={**fixture_kb.extras, "stations": unlocated})
    engine = Engine(kb, settings, fresh_db, clock)
    return await start_bot(settings, engine, clock), engine


async def test_location_with_a_directory_without_coordinates_says_so(
    settings, fixture_kb, fresh_db, clock
) -> None:
    bot, engine = await bot_without_positions(settings, fixture_kb, fresh_db, clock)
    await location(bot, 27.34, 117.47)
    [reply] = bot.new("sendMessage")
    assert reply.params["text"].startswith("目录中的站点还没有位置信息，暂时无法按距离推荐。")
    assert labels(reply) == ["留给专员"]
    await location(bot, 95.0, 117.47)  # not a place on Earth
    assert bot.texts() == ["这个位置无法识别，请重新发送位置，或告诉我您所在的县（市、区）。"]
    await bot.app.shutdown()
    assert bot.errors == [] and referrals(engine) == []


async def test_without_coordinates_a_location_uses_the_profiles_county(settings, fixture_kb, fresh_db, clock) -> None:
    bot, engine = await bot_without_positions(settings, fixture_kb, fresh_db, clock)
    await bot.say(FIRM, "/profile")
    await bot.press(FIRM, "邵武市")
    bot.new()
    await location(bot, 27.34, 117.47)
    [reply] = bot.texts()
    assert reply.startswith("目录中的站点还没有位置信息，先按您资料中的县区（邵武市）推荐：\n")
    assert "位于邵武市" in reply
    assert {r["county"] for r in referrals(engine)} == {"邵武市"}
    await bot.app.shutdown()
    assert bot.errors == []


async def test_without_coordinates_a_county_typed_after_the_prompt_is_understood(
    settings, fixture_kb, fresh_db, clock
) -> None:
    bot, engine = await bot_without_positions(settings, fixture_kb, fresh_db, clock)
    await location(bot, 27.34, 117.47)
    assert "县（市、区）" in bot.texts()[0]
    await bot.say(FIRM, "邵武")
    [reply] = bot.texts()
    assert "位于邵武市" in reply and not reply.startswith("抱歉")
    assert {r["county"] for r in referrals(engine)} == {"邵武市"}
    await bot.app.shutdown()
    assert bot.errors == []


async def test_station_invites_a_location_only_when_the_directory_has_positions(
    tg, settings, fixture_kb, fresh_db, clock
) -> None:
    await tg.say(FIRM, "/station")
    await tg.press(FIRM, "商标")
    assert "发送位置" in tg.texts()[-1]
    bot, _ = await bot_without_positions(settings, fixture_kb, fresh_db, clock)
    await bot.say(FIRM, "/station")
    await bot.press(FIRM, "商标")
    [ask] = bot.texts()[-1:]
    assert "县（市、区）" in ask and "位置" not in ask
    await bot.app.shutdown()
    assert bot.errors == []
