"""Long, multi-part and follow-up questions as firms type them, on the real knowledge base: a multi-part
question answers its first asked part and offers the others; a follow-up naming a new subject stays in
the topic just answered only when that topic asks about the subject; a look-up (在哪查, 哪个平台, 产地在哪)
is answered, not routed to stations; colloquial and traditional words reach their entries."""
from __future__ import annotations

import pytest
from test_everyday_inputs import conversation as ask
from test_everyday_inputs import real_engine  # noqa: F401  (the shared module fixture)

from bot.answering.engine import Engine


def test_a_story_then_three_asks_answers_the_first_and_offers_the_others(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "我们在政和做白茶，打算给新茶注册一个商标，需要什么材料，要交多少钱，审查要多久")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "trademark", "tm_documents")
    offered = [c.intent for c in reply.choices]
    assert {"tm_fee", "tm_duration"} <= set(offered[:3])


def test_a_patent_fee_and_time_question_answers_the_fee_first(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "我们笋厂想给一台新设备申请实用新型专利，要交多少费用，要多长时间")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "patent", "pt_fees")


@pytest.mark.parametrize(
    ("first", "then", "topic", "intent"),
    [
        ("商标注册费用多少", "那专利呢", "patent", "pt_fees"),  # 专利 is not a trademark subject: a new question
        ("专利质押登记怎么办", "商标的呢", "pledge_financing", "pf_trademark_pledge"),  # pledges ask of 商标 too
        ("专利开放许可是什么", "年费可以减多少", "open_license", "ol_annual_fee_reduction"),  # its own aspect
        ("商标续展怎么办", "要交什么材料", "trademark", "tm_renewal"),
    ],
)
def test_a_follow_up_is_read_with_the_last_subject_only_when_it_fits(
    real_engine: Engine, first: str, then: str, topic: str, intent: str  # noqa: F811
) -> None:
    reply = ask(real_engine, first, then)
    assert (reply.decision, reply.topic, reply.intent) == ("answer", topic, intent)


@pytest.mark.parametrize(
    ("texts", "topic"),
    [
        (("哪里能查到开放许可的专利",), "open_license"),
        (("专利密集型产品在哪个平台备案",), "patent_dense_product"),
        (("建盏是地理标志吗", "产地在哪"), "geographical_indication"),
        (("商标申请进度在哪查",), "trademark"),
    ],
)
def test_a_look_up_question_is_answered_not_routed_to_stations(real_engine: Engine, texts: tuple[str, ...], topic: str) -> None:  # noqa: F811
    reply = ask(real_engine, *texts)
    assert (reply.decision, reply.topic) == ("answer", topic)
    assert not (reply.intent or "").startswith("where")


def test_asking_to_do_it_in_person_after_an_ip_answer_lists_stations(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "注册商标要多少钱", "我们在邵武，可以当面办吗")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "service_station", "where")


def test_an_in_person_question_without_an_ip_subject_lists_no_stations(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "可以当面办吗")
    assert not (reply.intent or "").startswith("where") and not reply.station_types


@pytest.mark.parametrize(
    ("text", "topic", "intent"),
    [
        ("軟體著作權登記要收費嗎", "copyright", "cr_fee"),
        ("智慧財產權質押貸款怎麼辦理", "pledge_financing", None),
        ("配方想保密不公开，除了申请专利还有什么办法", "enforcement", "enf_trade_secret"),
        ("小企业申请专利能少交一点费用吗", "patent", "pt_fee_reduction"),
        ("有人在集市上卖仿我们的竹凉席，怎么办", "enforcement", None),  # the asker's own goods copied
    ],
)
def test_colloquial_and_traditional_words_reach_their_entry(
    real_engine: Engine, text: str, topic: str, intent: str | None  # noqa: F811
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("answer", topic)
    assert intent is None or reply.intent == intent


def test_a_price_named_in_the_story_is_not_asked(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "我们白茶卖的价格不低，有人仿冒我们的商标，该从哪里开始维权")
    assert (reply.decision, reply.topic, reply.intent) == ("answer", "enforcement", "enf_trademark_infringement")


def test_a_long_story_no_entry_answers_offers_what_its_asking_clause_reads_as(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "我们的茶叶价格比别人高一点，包装上的商标被人仿冒了，该怎么维权")
    assert reply.decision == "clarify"
    assert "enf_trademark_infringement" in [c.intent for c in reply.choices]
