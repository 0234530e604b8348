"""The gaps firms ask about (issue 12, item 4), asked through the Engine on the shipped knowledge base:
each question gets its entry, the confirmed figure or article, and 转人工 where the detail is unverified."""
from __future__ import annotations

import pytest
from test_knowledge_base import real_engine  # noqa: F401  (a shared module fixture; real_kb is in tests/conftest.py)

from bot.answering.engine import Engine
from bot.answering.ports import Message

REGISTRATION_FEE = "270元"
UNVERIFIED = ("未能核实", "未覆盖", "could not be verified", "not yet covered")


def ask(engine: Engine, text: str):
    return engine.handle(Message("test", f"gap-{text}", text))


@pytest.mark.parametrize(
    ("question", "intent", "confirmed"),
    [
        ("商标转让要多少钱", "tm_transfer", "第42条"),
        ("how much does it cost to transfer a trademark", "tm_transfer", "Art. 42"),
        ("商标变更要多少钱", "tm_change", "第41条"),
        ("商标许可备案费用", "tm_license", "第43条"),
        ("专利转让怎么办", "pt_transfer", "第44条"),
        ("著作权转让", "cr_transfer", "第21条"),
        ("福建省专利奖", "pt_fujian_award", "市专利奖"),
        ("申请号什么时候下来", "tm_application_number", "第18条"),
        ("商业秘密怎么保护", "enf_trade_secret", "18个月"),
    ],
)
def test_unverified_fees_and_procedures_say_so_and_offer_a_person(
    real_engine: Engine, question: str, intent: str, confirmed: str  # noqa: F811
) -> None:
    reply = ask(real_engine, question)
    assert (reply.decision, reply.intent) == ("answer", intent)
    assert confirmed in reply.text
    assert "转人工" in reply.text
    assert any(words in reply.text for words in UNVERIFIED)


@pytest.mark.parametrize(
    "question", ["商标转让要多少钱", "商标转让费用", "商标过户要多少钱", "商标变更要多少钱", "商标许可备案费用"]
)
def test_fees_for_transfer_change_and_licence_never_quote_the_registration_fee(
    real_engine: Engine, question: str  # noqa: F811
) -> None:
    reply = ask(real_engine, question)
    assert reply.intent in ("tm_transfer", "tm_change", "tm_license")
    assert REGISTRATION_FEE not in reply.text


def test_work_description_gives_the_confirmed_page_and_line_counts(real_engine: Engine) -> None:  # noqa: F811
    reply = ask(real_engine, "作品说明书怎么写")
    assert (reply.decision, reply.intent) == ("answer", "cr_work_description")
    assert "30页" in reply.text and "60页" in reply.text and "30行" in reply.text


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("建盏的造型该申请专利还是版权", ("第21类", REGISTRATION_FEE)),
        ("茶叶包装该注册商标还是申请专利", ("第30类", REGISTRATION_FEE)),
        ("what is the difference between a patent and a trademark", ("class 30", "270 yuan")),
    ],
)
def test_which_right_for_one_product_names_class_and_fee(
    real_engine: Engine, question: str, figures: tuple[str, ...]  # noqa: F811
) -> None:
    reply = ask(real_engine, question)
    assert (reply.decision, reply.intent) == ("answer", "pt_which_right")
    assert all(f in reply.text for f in figures)


def test_city_and_provincial_patent_awards_stay_apart(real_engine: Engine) -> None:  # noqa: F811
    assert ask(real_engine, "南平市专利奖怎么申报").intent == "pt_city_award"
    assert ask(real_engine, "福建省专利奖怎么申报").intent == "pt_fujian_award"
