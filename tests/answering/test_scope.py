"""Out of scope by meaning (issue 13 item 5): near-misses that share a word with IP stay out, and the
fallback says what the assistant does cover. Run on the shipped knowledge base and config."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import PROJECT_ROOT as ROOT
from bot.common.config import load_settings
from bot.knowledge.base import KnowledgeBase


@pytest.fixture(scope="module")
def real_engine(real_kb: KnowledgeBase) -> Engine:
    settings = load_settings(environ={"BOT_DB_PATH": ":memory:"})
    assert settings.knowledge_dir.resolve() == (ROOT / "knowledge").resolve()  # real_kb is what config names
    clock = ManualClock(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    return Engine(real_kb, settings, open_db(":memory:"), clock)


@pytest.mark.parametrize("text", [
    "车辆质押贷款怎么办",  # 质押 of a vehicle
    "商标纸印刷多少钱一张",  # printing labels
    "地理考试怎么复习",  # a geography exam
    "域名怎么注册",  # a domain name
    "高企认定需要什么条件",  # high-tech enterprise status
    "买到的茶叶发霉了我要投诉商家",  # a consumer complaint
])
def test_near_misses_with_an_ip_word_stay_out(real_engine: Engine, text: str) -> None:
    reply = real_engine.handle(Message("test", text, text))
    assert (reply.decision, reply.topic) == ("fallback", "out_of_scope")


def test_a_domain_name_dispute_stays_out(real_engine: Engine) -> None:
    reply = real_engine.handle(Message("test", "d", "公司域名被别人抢注了怎么办"))
    assert reply.decision == "fallback"


@pytest.mark.parametrize(("lang", "covered"), [("zh", "商标、专利"), ("en", "trademarks, patents")])
def test_the_fallback_says_what_the_assistant_covers(real_engine: Engine, lang: str, covered: str) -> None:
    text = "明天会下雨吗" if lang == "zh" else "will it rain tomorrow"
    reply = real_engine.handle(Message("test", f"w-{lang}", text))
    assert reply.decision == "fallback"
    assert covered in reply.text
