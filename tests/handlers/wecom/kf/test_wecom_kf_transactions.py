"""Issue 16 on 微信客服: a firm's message is answered in one write transaction (what waited for the firm
reopened, the profile, the Engine's events, the reply queued and the message marked answered); a failure
half-way writes nothing of it but the queued apology."""
from __future__ import annotations

import pytest
from sql_trace import traced

pytestmark = pytest.mark.asyncio

APOLOGY = "抱歉，系统暂时出错，请稍后再试。"
MESSAGES_WORK = ("into events", "into kf_replies", "update kf_inbox set status")


async def test_a_question_is_answered_in_one_transaction(kf, kf_engine) -> None:
    await kf.says("wmFirmA", "你好")  # the first contact
    for question in ("商标注册要多久", "我在建阳，商标去哪办"):
        with traced(kf_engine.db) as trace:
            assert await kf.says("wmFirmA", question)
        [answering] = trace.writing("into events")
        assert all(any(words in statement for statement in answering) for words in MESSAGES_WORK)
        assert len(trace.mentioning("from firms")) == 1


async def test_a_failure_half_way_writes_nothing_but_the_apology(kf, kf_engine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(kf_engine.conversations, "keep", broken)  # after the profile and the events
    assert await kf.says("wmFirmA", "商标注册要多久") == [APOLOGY]
    assert [kf_engine.db[table].count for table in ("firms", "events")] == [0, 0]
    assert kf_engine.db["kf_inbox"].count_where("status = 'new'") == 0  # answered: not answered again
