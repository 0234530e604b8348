"""Enforcement on the shipped knowledge base: where to complain is answered with the complaint channels
(12315, the market-regulation bureau, the court) and the stations one tap away, never a bare station list."""
from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message, Reply
from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import load_settings
from bot.knowledge.base import KnowledgeBase

_users = count()


@pytest.fixture(scope="module")
def real_engine(real_kb: KnowledgeBase) -> Engine:
    settings = load_settings(environ={"BOT_DB_PATH": ":memory:"})
    return Engine(real_kb, settings, open_db(":memory:"), ManualClock(datetime(2026, 12, 4, 2, tzinfo=UTC)))


def ask(engine: Engine, text: str) -> Reply:
    return engine.handle(Message("test", f"firm-{next(_users)}", text))


@pytest.mark.parametrize("text", [
    "商标被侵犯了去哪里举报",
    "别人卖假冒我们商标的茶，去哪个部门投诉",
    "IP被侵权找哪个部门",
    "網上有人賣假冒我們品牌的茶葉，去哪裡投訴",  # the online-shop entry: 12315 and the platform's channel
    "商标去哪投诉",  # a right and a complaint word: the complaint channels, not the trademark window
])
def test_where_to_complain_gets_the_complaint_channels_and_the_stations_as_a_choice(
    real_engine: Engine, text: str
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("answer", "enforcement")
    assert "12315" in reply.text
    assert any(c.intent.startswith("where:") for c in reply.choices)  # the stations, one tap away


def test_a_complaint_word_alone_does_not_make_a_where_question_an_ip_matter(real_engine: Engine) -> None:
    reply = ask(real_engine, "被人打了，想维权去哪里")
    assert reply.intent != "where"  # no station list for an assault


@pytest.mark.parametrize("text", ["维权援助工作站在哪", "邵武有没有维权援助工作站"])
def test_a_station_named_with_an_infringement_word_still_lists_stations(real_engine: Engine, text: str) -> None:
    reply = ask(real_engine, text)
    assert (reply.topic, reply.intent) == ("service_station", "where")


@pytest.mark.parametrize(("text", "intent"), [
    ("市场上有人卖假的我们牌子的红茶", "enf_trademark_infringement"),
    ("someone sells fake bamboo mats under our brand on pinduoduo", "enf_trademark_infringement"),
    ("技术员辞职以后把我们的秘制配方带去了对手厂里", "enf_trade_secret"),
    ("what can we do about a trade secret leak", "enf_trade_secret"),
    ("有个客户名单被离职业务员泄密给同行了", "enf_trade_secret"),
])
def test_counterfeits_and_leaked_secrets_in_plain_words_reach_their_entry(
    real_engine: Engine, text: str, intent: str
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.intent) == ("answer", intent)


def test_a_firm_accused_by_a_later_registrant_learns_of_prior_use_and_non_use(real_engine: Engine) -> None:
    reply = ask(real_engine, "我们先用的这个名字，人家后来注册了商标反过来告我们侵权")
    assert reply.intent == "enf_accused"
    assert "原使用范围" in reply.text and "第64条" in reply.text


@pytest.mark.parametrize(("text", "intent"), [
    ("侵权举报电话是多少", "enf_complaint_channels"),  # not the assistant's own phone
    ("12330现在还打得通吗", "enf_complaint_channels"),
    ("someone copied my trademark on pinduoduo, what should I do", "enf_trademark_infringement"),  # not squatting
    ("不知道卖的是假货，也要赔钱吗", "enf_trademark_damages"),
    ("我们的产品照片被人拿去网店用了", None),  # the copyright or the online-shop entry
])
def test_infringement_words_keep_the_question_with_entries_about_infringement(
    real_engine: Engine, text: str, intent: str | None
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("answer", "enforcement")
    assert intent is None or reply.intent == intent


def test_an_innocent_seller_learns_it_is_only_ordered_to_stop_selling(real_engine: Engine) -> None:
    reply = ask(real_engine, "商标侵权赔偿怎么算")
    assert reply.intent == "enf_trademark_damages"
    assert "只责令停止销售" in reply.text
    assert "调解" in reply.text  # the bureau can mediate the amount


def test_the_assistance_answer_says_what_is_known_of_12330(real_engine: Engine) -> None:
    reply = ask(real_engine, "有没有知识产权维权援助机构")
    assert reply.intent == "enf_assistance"
    assert "12330" in reply.text and "未能核实" in reply.text


def test_where_to_complain_between_two_entries_offers_them_rather_than_stations(real_engine: Engine) -> None:
    reply = ask(real_engine, "去哪个部门投诉别人用我商标")
    assert reply.decision == "clarify"
    assert "enf_complaint_channels" in [c.intent for c in reply.choices]


@pytest.mark.parametrize("text", ["别人冒用我的身份证开了网店怎么办", "身份证被人冒用去注册公司了"])
def test_identity_theft_is_not_infringement(real_engine: Engine, text: str) -> None:
    reply = ask(real_engine, text)
    assert reply.decision == "fallback"
