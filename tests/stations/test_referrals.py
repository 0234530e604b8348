"""'Where do I go?' through the Engine: the choice, direct questions, location, referral events."""
from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.handoff.desk import attach_desk
from bot.knowledge.base import KnowledgeBase
from bot.language.normalize import clean
from bot.stations.directory import Directory, stations_of
from bot.stations.referrals import asks_where
from handlers.console import run_console


def ask(engine: Engine, text: str, user: str = "u1", **kwargs):
    return engine.handle(Message("console", user, text, **kwargs))


def press(engine: Engine, intent: str, user: str = "u1", **kwargs):
    return engine.answer_intent(intent, Message("console", user, "", **kwargs))


def referrals(engine: Engine) -> list[dict]:
    rows = engine.db["events"].rows_where("kind = 'referral'", order_by="id")
    return [{**json.loads(row["detail"]), "reply_to": row["reply_to"], "firm_county": row["county"]} for row in rows]


def shown(engine: Engine) -> list[str]:
    return [r["station"] for r in referrals(engine)]


def with_directory(kb: KnowledgeBase, directory: Directory) -> KnowledgeBase:
    return replace(kb, extras={**kb.extras, "stations": directory})


@pytest.fixture
def unpublished(fixture_kb, settings, fresh_db, clock) -> Engine:
    """The fixture directory with every address, phone and opening time removed."""
    directory = stations_of(fixture_kb)
    bare = tuple(replace(s, address="", phone="", hours="") for s in directory.stations)
    engine = Engine(with_directory(fixture_kb, Directory(bare, directory.handled_by)), settings, fresh_db, clock)
    attach_desk(engine, settings, clock)
    return engine


# ---- the choice under answers ----------------------------------------------------------------

def test_answer_with_station_types_offers_where_do_i_go(engine: Engine) -> None:
    reply = ask(engine, "注册商标得花多少钱")
    assert reply.choices[-1].intent == "where:tm_fee"
    assert reply.choices[-1].title == "去哪里办？"
    english = ask(engine, "what is open licensing of patents", user="en")
    assert (english.choices[-1].intent, english.choices[-1].title) == ("where:ol_what", "Where do I go?")


def test_answer_without_station_types_offers_no_where(engine: Engine) -> None:
    assert not any(c.intent.startswith("where") for c in ask(engine, "你好").choices)


def test_no_where_choice_without_a_directory(fixture_kb, settings, fresh_db, clock) -> None:
    engine = Engine(with_directory(fixture_kb, Directory()), settings, fresh_db, clock)
    reply = ask(engine, "商标注册要多久")
    assert [c.intent for c in reply.choices] == ["tm_fee", "tm_renewal"]
    assert press(engine, "where:tm_duration").decision == "fallback"


def test_reloaded_knowledge_brings_its_directory(engine: Engine, fixture_kb) -> None:
    engine.load(with_directory(fixture_kb, Directory()))
    assert not any(c.intent.startswith("where") for c in ask(engine, "商标注册要多久").choices)
    engine.load(fixture_kb)
    assert ask(engine, "商标注册要多久").choices[-1].intent == "where:tm_duration"


def test_pressing_where_lists_stations_and_records_referrals(engine: Engine) -> None:
    answer = ask(engine, "我在建阳，商标注册要多久")
    assert referrals(engine) == []  # an answer alone is no referral
    reply = press(engine, "where:tm_duration")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "trademark", "where:tm_duration")
    assert reply.station_types == ("trademark_window",)
    assert reply.text.startswith("在建阳区办理商标事项，可以找：\n· 测试商标受理窗口\n  推荐理由：")
    assert "地址：测试路1号" in reply.text and "电话：0599-0000001" in reply.text and "办公时间：周一至周五" in reply.text
    choice = engine.db["events"].get(reply.event_id)
    assert (choice["kind"], choice["reply_to"], choice["county"]) == ("choice", answer.event_id, "建阳区")
    assert referrals(engine) == [{
        "station": "t_window", "type": "trademark_window", "county": "city", "topic": "trademark",
        "rank": 1, "via": "choice", "sample": True, "reply_to": reply.event_id, "firm_county": "建阳区",
    }]


def test_where_choice_uses_the_profile_county_and_industry(engine: Engine) -> None:
    reply = press(engine, "where:topic:trademark", county="邵武市", industry="tea")
    assert shown(engine) == ["t_shaowu_tea", "t_shaowu_a", "t_shaowu_park"]
    assert "服务茶叶企业" in reply.text


def test_follow_up_still_works_after_where(engine: Engine) -> None:
    ask(engine, "商标注册要多久")
    press(engine, "where:tm_duration")
    assert ask(engine, "那续展呢？").intent == "tm_renewal"


@pytest.mark.parametrize("intent", ["where:no_such_entry", "where:topic:weather", "where:sm_greeting"])
def test_unknown_where_choice_is_a_clear_fallback_without_referral(engine: Engine, intent: str) -> None:
    reply = press(engine, intent)
    assert reply.decision == "fallback"
    assert referrals(engine) == []


# ---- direct questions ------------------------------------------------------------------------

def test_where_question_routes_directly_with_county_from_text(engine: Engine) -> None:
    reply = ask(engine, "我在邵武，商标去哪办")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "service_station", "where")
    assert reply.station_types == ("trademark_brand_station", "trademark_window")
    assert shown(engine) == ["t_shaowu_a", "t_shaowu_park", "t_shaowu_tea"]
    question = engine.db["events"].get(reply.event_id)
    assert (question["kind"], question["county"], question["topic"]) == ("question", "邵武市", "service_station")
    assert {r["reply_to"] for r in referrals(engine)} == {reply.event_id}
    assert [r["rank"] for r in referrals(engine)] == [1, 2, 3]


def test_station_named_in_the_question(engine: Engine) -> None:
    reply = ask(engine, "建阳商标品牌指导站在哪")
    assert shown(engine) == ["t_jianyang", "t_window"]
    assert "推荐理由：办理商标事项；位于建阳区，与您同县（市、区）" in reply.text


def test_county_from_the_profile_when_the_text_names_none(engine: Engine) -> None:
    ask(engine, "商标去哪办", county="建阳区")
    assert shown(engine) == ["t_jianyang", "t_window"]


def test_profile_county_in_short_form_and_unknown_industry(engine: Engine) -> None:
    reply = ask(engine, "商标去哪办", county="建阳", industry="steel")
    assert shown(engine) == ["t_jianyang", "t_window"]
    assert reply.text.startswith("在建阳区办理商标事项")
    assert referrals(engine)[0]["firm_county"] == "建阳区"


def test_county_in_the_text_wins_over_the_profile(engine: Engine) -> None:
    ask(engine, "我在邵武，商标去哪办", county="建阳区", industry="tea")
    assert shown(engine)[0] == "t_shaowu_tea"


def test_park_in_the_text_gives_county_and_tie_break(engine: Engine) -> None:
    reply = ask(engine, "我们在金塘工业园，商标去哪里办")
    assert shown(engine)[0] == "t_shaowu_park"
    assert "在您所在的邵武金塘工业园" in reply.text


def test_station_kind_and_county_without_a_where_word(engine: Engine) -> None:
    ask(engine, "邵武有商标品牌指导站吗")
    assert shown(engine)[0] == "t_shaowu_a"


@pytest.mark.parametrize(
    ("text", "stations"),
    [
        ("软件著作权去哪登记", ["t_copyright"]),
        ("商标被侵权去哪投诉", ["t_rights", "t_bureau"]),
        ("质押贷款在哪里办", ["t_bureau"]),
        ("where can I file a trademark", ["t_window"]),
    ],
)
def test_the_subject_named_picks_the_kind_of_station(engine: Engine, text: str, stations: list[str]) -> None:
    reply = ask(engine, text)
    assert reply.intent == "where"
    assert shown(engine) == stations


def test_where_question_without_county_hints_to_name_it(engine: Engine) -> None:
    assert "告诉我您所在的县（市、区）" in ask(engine, "商标去哪办").text
    assert "告诉我您所在的县" not in ask(engine, "软件著作权去哪登记").text  # no local copyright station exists


def test_city_named_in_the_question_is_not_a_county(engine: Engine) -> None:
    reply = ask(engine, "南平商标受理窗口在哪")
    assert reply.text.startswith("办理商标事项，可以找：")
    assert "告诉我您所在的县（市、区）" in reply.text
    assert shown(engine) == ["t_window"]


def test_where_question_without_subject_takes_the_last_answer(engine: Engine) -> None:
    ask(engine, "商标注册要多久")
    reply = ask(engine, "我在浦城，去哪里办")
    assert reply.station_types == ("trademark_window",)
    assert shown(engine) == ["t_window"]
    assert referrals(engine)[0]["firm_county"] == "浦城县"


def test_where_question_also_offers_the_matching_entry(engine: Engine) -> None:
    reply = ask(engine, "商标续展去哪里办")
    assert reply.intent == "where"
    assert [c.intent for c in reply.choices] == ["tm_renewal"]


def test_english_where_question_gets_english_reply(engine: Engine) -> None:
    reply = ask(engine, "where can I register a trademark in Shaowu")
    assert reply.language == "en"
    assert reply.text.startswith("For Trademarks in 邵武市, you can go to:")
    assert "Why: handles Trademarks; in 邵武市, your county" in reply.text


@pytest.mark.parametrize("text", ["哪里可以免费下载电影", "商标贴纸哪里定做", "附近有什么好吃的"])
def test_where_questions_outside_ip_are_not_routed(engine: Engine, text: str) -> None:
    reply = ask(engine, text)
    assert (reply.decision, reply.intent) == ("fallback", None)
    assert referrals(engine) == []


@pytest.mark.parametrize("text", ["公司注册去哪里办", "证书编号在哪里能查到", "标志印在哪", "材料去哪交"])
def test_where_questions_without_an_ip_subject_or_answer_are_not_routed(engine: Engine, text: str) -> None:
    """Issue 13: "where do I go" needs an IP subject in the question or an IP answer just before it."""
    assert ask(engine, text).intent != "where"
    assert referrals(engine) == []


def test_where_question_without_subject_after_an_ip_answer_is_routed(engine: Engine) -> None:
    ask(engine, "商标注册要多久")
    assert ask(engine, "材料去哪交").intent == "where"
    assert shown(engine) == ["t_window"]


def test_ordinary_questions_are_not_routed(engine: Engine) -> None:
    assert ask(engine, "商标注册要多久").intent == "tm_duration"
    assert ask(engine, "商标申请存在哪些费用", user="u2").intent != "where"
    assert referrals(engine) == []


# ---- contacts not published ------------------------------------------------------------------

def test_unpublished_contacts_name_the_handler_and_offer_a_specialist(unpublished: Engine) -> None:
    reply = ask(unpublished, "我在邵武，商标去哪办")
    assert reply.text.count("地址、电话、办公时间：尚未公布") == 3
    assert "部分联系方式尚未公布，可先向测试市场监管局咨询" in reply.text
    assert "（以上为示例目录" in reply.text
    assert reply.choices[-1].intent == "handoff"
    saved = unpublished.answer_intent("handoff", Message("console", "u1", ""))
    assert "我在邵武，商标去哪办" in saved.text
    [ticket] = unpublished.db["tickets"].rows
    assert (ticket["question"], ticket["county"]) == ("我在邵武，商标去哪办", "邵武市")


def test_pressed_where_is_handed_off_as_a_where_question(unpublished: Engine) -> None:
    ask(unpublished, "商标注册要多久")
    press(unpublished, "where:tm_duration", county="顺昌县")
    press(unpublished, "handoff")
    [ticket] = unpublished.db["tickets"].rows
    assert (ticket["question"], ticket["county"]) == ("商标注册要多长时间：去哪里办？（顺昌县）", "顺昌县")
    assert json.loads(ticket["station_types"]) == ["trademark_window"]  # routed by the entry's stations


def test_published_contacts_need_no_specialist(engine: Engine) -> None:
    reply = ask(engine, "我在邵武，商标去哪办")
    assert "尚未公布" not in reply.text
    assert all(c.intent != "handoff" for c in reply.choices)


# ---- shared location -------------------------------------------------------------------------

def test_location_lists_nearest_and_never_stores_the_position(engine: Engine) -> None:
    reply = engine.stations_near(Message("telegram", "42", ""), 27.34, 117.47)
    assert reply.text.startswith("离您最近的站点：\n· 测试邵武指导站甲（商标品牌指导站）\n  推荐理由：距您约")
    assert shown(engine) == ["t_shaowu_a", "t_shaowu_tea", "t_shaowu_zcw"]
    assert {r["via"] for r in referrals(engine)} == {"location"}
    stored = json.dumps(list(engine.db["events"].rows), ensure_ascii=False)
    assert "27.34" not in stored and "117.47" not in stored


def test_location_with_topic_narrows_the_kind(engine: Engine) -> None:
    engine.stations_near(Message("telegram", "42", ""), 27.34, 117.47, topic="enforcement")
    assert shown(engine) == ["t_rights", "t_bureau"]


def test_bad_location_gets_a_clear_reply_and_no_event(engine: Engine) -> None:
    reply = engine.stations_near(Message("telegram", "42", ""), 200.0, 117.47)
    assert reply.decision == "fallback" and "无法识别" in reply.text
    assert engine.db["events"].count == 0


def test_location_without_located_stations_says_so(unpublished: Engine, fixture_kb) -> None:
    directory = stations_of(fixture_kb)
    unlocated = Directory(tuple(replace(s, lat=None, lon=None) for s in directory.stations), directory.handled_by)
    unpublished.load(with_directory(fixture_kb, unlocated))
    reply = unpublished.stations_near(Message("telegram", "42", ""), 27.34, 117.47)
    assert reply.decision == "fallback" and "还没有位置信息" in reply.text
    assert referrals(unpublished) == []


# ---- channels --------------------------------------------------------------------------------

def test_console_shows_where_as_a_numbered_choice_that_works(engine: Engine) -> None:
    out = io.StringIO()
    run_console(engine, io.StringIO("商标注册要多久\n3\nexit\n"), out)
    text = out.getvalue()
    assert "  3. 去哪里办？" in text
    assert "办理商标事项，可以找：\n· 测试商标受理窗口" in text
    assert shown(engine) == ["t_window"]


def test_cli_channel_referrals_are_internal(engine: Engine) -> None:
    engine.handle(Message("cli", "x", "我在邵武，商标去哪办"))
    assert {row["internal"] for row in engine.db["events"].rows} == {1}


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("茶饮料商标在哪个类", False),
        ("版权和专利的区别在哪里", False),
        ("商标注册在哪一类", False),
        ("商标去哪里办", True),
        ("著作权登记在哪办", True),
        ("商标申请进度在哪查", False),
        ("哪里能查到开放许可的专利", False),
        ("专利密集型产品在哪个平台备案", False),
        ("建盏的产地在哪", False),
        ("地理标志专用标志印在哪", False),
        ("地理标志专用标志的图样哪里下载", False),
        ("在建瓯能当面办商标吗", True),
        ("专利质押可以现场办吗", True),
    ],
)
def test_which_class_or_what_difference_asks_no_place(question: str, where: bool) -> None:
    assert asks_where(clean(question)) is where
