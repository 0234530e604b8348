"""Telegram: a question in traditional characters gets its answer and buttons in traditional characters."""
from __future__ import annotations

import pytest
from tg_harness import FIRM, labels

from bot.answering.engine import Engine
from bot.language.normalize import TRADITIONAL, to_traditional

pytestmark = pytest.mark.asyncio


async def test_traditional_question_answer_buttons_and_pressed_choice(tg, engine: Engine) -> None:
    await tg.say(FIRM, "商標註冊要多久？", lang="zh-tw")
    [answer] = tg.new("sendMessage")
    assert "9個月" in answer.params["text"] and "依據：《商標法》" in answer.params["text"]
    assert labels(answer) == ["註冊商標的官費", "商標續展", "去哪裡辦？", "👍", "👎"]

    await tg.press(FIRM, "商標續展", lang="zh-tw")
    [follow_up] = tg.new("sendMessage")
    assert "期滿前12個月內辦理續展" in follow_up.params["text"]
    assert to_traditional(follow_up.params["text"]) == follow_up.params["text"]
    languages = [(r["kind"], r["language"]) for r in engine.db["events"].rows]
    assert languages == [("question", TRADITIONAL), ("choice", TRADITIONAL)]


async def test_simplified_question_stays_simplified(tg, engine: Engine) -> None:
    await tg.say(FIRM, "商标注册要多久？")
    [answer] = tg.new("sendMessage")
    assert "9个月" in answer.params["text"] and labels(answer)[0] == "注册商标的官费"
