"""Questions that name a right (or the ® mark) among words of other domains, on the real knowledge base:
they reach their entry instead of falling back or being put out of scope (issue 13, the fallback work:
docs/answer-quality.md, "Rights that fell back")."""
from __future__ import annotations

import pytest
from test_everyday_inputs import conversation as ask
from test_everyday_inputs import real_engine  # noqa: F401  (the shared module fixture)

from bot.answering.engine import Engine


@pytest.mark.parametrize("text", [
    "瓶身上能不能印个圈R",  # a lone R against Chinese is the ® mark
    "茶罐上那个R字母是什么意思",
    "礼盒上印®要先注册吗",  # a middling score: offered first among choices since answer_lead is off
])
def test_the_registered_mark_is_a_trademark_question(real_engine: Engine, text: str) -> None:  # noqa: F811
    reply = ask(real_engine, text)
    reached = reply.intent if reply.decision == "answer" else (reply.choices[0].intent if reply.choices else None)
    assert (reply.decision in ("answer", "clarify"), reply.topic, reached) == (True, "trademark", "tm_registered_symbol")


@pytest.mark.parametrize(("text", "topic"), [
    ("厂子没有房产，能不能用商标质押贷款", "pledge_financing"),  # 房产 only contrasted
    ("申请软著要不要先办营业执照", "copyright"),  # the licence is what the right needs
])
def test_a_right_asked_about_beside_a_word_the_answers_contrast_is_answered(
    real_engine: Engine, text: str, topic: str  # noqa: F811
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("answer", topic)


@pytest.mark.parametrize("text", [
    "商标标签印刷一卷多少钱",  # 商标 qualifies 标签, a word of another domain
    "高企认定需要几个专利",  # another domain's procedure, not in the answers
    "个体户营业执照怎么年检",
])
def test_another_domains_question_stays_out(real_engine: Engine, text: str) -> None:  # noqa: F811
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("fallback", "out_of_scope")


@pytest.mark.parametrize(("text", "intent"), [
    ("我们的商标想 register internationally，怎么弄", "tm_madrid"),  # international, abroad → 国外
    ("Does Nanping have policies that support bamboo firms' IP?", "pol_industry_support"),  # policy, support
    ("What does an open patent licence mean for a small firm?", "ol_what_is"),
])
def test_english_and_code_switched_words_reach_their_entry(
    real_engine: Engine, text: str, intent: str  # noqa: F811
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.intent) == ("answer", intent)


@pytest.mark.parametrize(("text", "topic"), [
    ("怕同行告我们侵权，有没有这种保险", "insurance"),  # 同行 is a competitor; the asker accused
    ("被人侵权了咋办", "enforcement"),  # 咋办 is 怎么办
])
def test_colloquial_words_around_an_infringement_are_understood(
    real_engine: Engine, text: str, topic: str  # noqa: F811
) -> None:
    reply = ask(real_engine, text)
    assert reply.decision != "fallback" and reply.topic == topic
