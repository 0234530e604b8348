"""The pieces of a long or multi-part question (bot/answering/parts.py)."""
from __future__ import annotations

import pytest

from bot.answering.parts import ask_clause, asked_aspects, one_part
from bot.language.normalize import Analysis

ASPECTS = frozenset({"材料", "费用", "多久"})


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("我们白茶卖得不错，有人仿冒我们的商标，该从哪里开始维权", "该从哪里开始维权"),
        ("商标注册要多少钱", ""),  # one clause: nothing to tell apart
        ("我们做建盏，想注册商标，要什么材料，多少钱", "要什么材料，多少钱"),
        ("We make tea. How much is a trademark?", "How much is a trademark"),
        ("我们做建盏，想注册商标", ""),  # no clause asks
    ],
)
def test_the_asking_clauses_start_at_the_first_question(text: str, clause: str) -> None:
    assert ask_clause(text) == clause


def test_each_aspect_is_one_part_with_the_subject() -> None:
    analysis = Analysis("商标材料费用多久材料", ("商标", "材料", "费用", "多久", "材料"))
    assert asked_aspects(analysis, ASPECTS) == ["材料", "费用", "多久"]
    part = one_part(analysis, "费用", ASPECTS)
    assert part.tokens == ("商标", "费用") and part.text == "商标费用"
