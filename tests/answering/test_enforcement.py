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
])
def test_where_to_complain_gets_the_complaint_channels_and_the_stations_as_a_choice(
    real_engine: Engine, text: str
) -> None:
    reply = ask(real_engine, text)
    assert (reply.decision, reply.topic) == ("answer", "enforcement")
    assert "12315" in reply.text
    assert any(c.intent.startswith("where:") for c in reply.choices)  # the stations, one tap away


@pytest.mark.parametrize("text", ["维权援助工作站在哪", "邵武有没有维权援助工作站"])
def test_a_station_named_with_an_infringement_word_still_lists_stations(real_engine: Engine, text: str) -> None:
    reply = ask(real_engine, text)
    assert (reply.topic, reply.intent) == ("service_station", "where")
