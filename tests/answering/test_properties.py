"""Property-based tests (Hypothesis, profiles in tests/handlers/telegram/conftest.py): the Engine and the normaliser take
any text without an exception, and their bounds hold. Every input reported in issue 15 is an @example."""
from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.answering.engine import MAX_QUESTION_CHARS, Engine
from bot.answering.ports import ANSWER, CLARIFY, FALLBACK, Message
from bot.knowledge.base import KnowledgeBase
from bot.language.normalize import clean

ODD_PIECES = ("\ud800", "\udfff", "转人工", "人工", "商标", "9" * 30, "\x00", "\u202e", "ﷺ", "/", " ", "\n")
# Any Unicode text, lone surrogates included, often built from pieces that reach the handoff and intents.
texts = st.lists(st.one_of(st.characters(exclude_categories=()), st.sampled_from(ODD_PIECES)), max_size=60).map(
    "".join
)
HUGE_HANDOFF = "转人工 " + "商标被抢注怎么办" * 12_500  # 100,000 characters


def surrogate_free(value: str | None) -> bool:
    return value is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


@given(texts)
@example("转人工 商标\ud800被抢注")
@example("\ud800")
@example(HUGE_HANDOFF)
@example("转人工 " + "9" * 30)
def test_the_engine_answers_any_text_within_bounds(engine: Engine, desk, text: str) -> None:
    reply = engine.handle(Message("test", "fuzz", text))
    assert reply.decision in (ANSWER, CLARIFY, FALLBACK) and reply.text
    assert 0.0 <= reply.score <= 100.0 and surrogate_free(reply.text)
    if reply.event_id is not None:
        event = engine.db["events"].get(reply.event_id)
        assert len(event["question"] or "") <= MAX_QUESTION_CHARS and surrogate_free(event["question"])
    for ticket in engine.db["tickets"].rows:
        assert len(ticket["question"] or "") <= MAX_QUESTION_CHARS and surrogate_free(ticket["question"])


@given(texts)
@example("\ud800")
@example("a\ud800")
@example("topic:\ud800")
@example("where:\ud800")
@example("where:topic:" + "9" * 30)
def test_the_engine_answers_any_pressed_intent(engine: Engine, desk, intent: str) -> None:
    reply = engine.answer_intent(intent, Message("test", "fuzz", ""))
    assert reply.text and reply.decision in (ANSWER, CLARIFY, FALLBACK)
    if reply.event_id is not None:
        stored = engine.db["events"].get(reply.event_id).values()
        assert all(surrogate_free(v) for v in stored if isinstance(v, str))


@given(texts)
@example("\ud800")
@example(HUGE_HANDOFF)
@example("ﷺ" * 100)
def test_the_normaliser_takes_any_text_and_is_stable(fixture_kb: KnowledgeBase, text: str) -> None:
    analysis = fixture_kb.normalizer.analyze(text)
    assert isinstance(analysis.key, str) and all(token.strip() for token in analysis.tokens)
    once = clean(text)
    assert clean(once) == once  # cleaning twice changes nothing
    assert once == once.strip() and "  " not in once
