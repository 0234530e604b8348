"""What one handled message writes: one transaction, however many events (a question, its referrals)."""
from __future__ import annotations

import pytest
from sql_trace import SqlTrace, traced

from bot.answering.engine import Engine
from bot.answering.ports import Message


@pytest.fixture
def transactions(engine: Engine):
    with traced(engine.db) as trace:
        yield trace


def _events(engine: Engine) -> list[tuple[str, int | None]]:
    return [(row["kind"], row["reply_to"]) for row in engine.db["events"].rows_where(order_by="id")]


def test_a_where_question_and_its_referrals_commit_once(engine: Engine, transactions: SqlTrace) -> None:
    reply = engine.handle(Message("console", "u1", "我在邵武，商标去哪办"))
    events = _events(engine)
    assert events[0] == ("question", None)
    assert [kind for kind, _ in events[1:]] == ["referral"] * (len(events) - 1) and len(events) > 1
    assert all(reply_to == reply.event_id for _, reply_to in events[1:])
    assert (transactions.begins, transactions.commits) == (1, 1)


@pytest.mark.parametrize("text", ["商标注册要多久", "你好", "明天天气怎么样"])
def test_a_question_commits_once(engine: Engine, transactions: SqlTrace, text: str) -> None:
    engine.handle(Message("console", "u1", text))
    assert (transactions.begins, transactions.commits) == (1, 1)
    assert len(_events(engine)) == 1


def test_a_pressed_where_choice_commits_once(engine: Engine, transactions: SqlTrace) -> None:
    engine.answer_intent("where:tm_fee", Message("console", "u1", "", county="邵武市"))
    assert (transactions.begins, transactions.commits) == (1, 1)
    assert [kind for kind, _ in _events(engine)][:2] == ["choice", "referral"]


def test_a_handoff_writes_its_ticket_in_the_messages_transaction(
    engine: Engine, desk, transactions: SqlTrace
) -> None:
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    assert (transactions.begins, transactions.commits) == (1, 1)
    assert engine.db["tickets"].count == 1


def test_a_failing_message_leaves_no_half_written_events(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(engine.conversations, "keep", broken)  # after the events are written, before the reply
    with pytest.raises(RuntimeError):
        engine.handle(Message("console", "u1", "我在邵武，商标去哪办"))
    assert _events(engine) == []
