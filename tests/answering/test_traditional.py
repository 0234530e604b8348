"""A question in traditional characters gets the whole reply in traditional characters (issue 13, item 4):
answer, choices and fixed texts, on the Engine, the console and WeCom; events record zh-hant."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from settings_helper import write_settings
from wecom_fake import FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.answering.ports import Message, Reply
from bot.app import open_db
from bot.i18n.texts import text
from bot.language.normalize import TRADITIONAL, chinese_script, to_traditional
from bot.metrics.queries import knowledge_gaps, summary
from handlers.console import run_console


def ask(engine: Engine, said: str, user: str = "u1") -> Reply:
    return engine.handle(Message("console", user, said))


def in_traditional(reply: Reply) -> bool:
    """Nothing of the reply is left in simplified characters."""
    shown = [reply.text, *(c.title for c in reply.choices)]
    return all(to_traditional(s) == s for s in shown)


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [("商标注册要多久？", "商標註冊要多久？"), ("质押贷款怎么申请", "質押貸款怎麼申請"), ("明天天气怎么样", "明天天氣怎麼樣")],
)
def test_a_traditional_question_gets_the_same_reply_in_traditional_characters(
    engine: Engine, simplified: str, traditional: str
) -> None:
    plain, converted = ask(engine, simplified, "u1"), ask(engine, traditional, "u2")
    assert (plain.language, converted.language) == ("zh", TRADITIONAL)
    assert (converted.decision, converted.intent) == (plain.decision, plain.intent)
    assert converted.text == to_traditional(plain.text) != plain.text
    assert [c.title for c in converted.choices] == [to_traditional(c.title) for c in plain.choices]
    assert in_traditional(converted)


def test_answer_basis_and_choices_read_in_traditional(engine: Engine) -> None:
    reply = ask(engine, "商標註冊要多久？")
    assert "9個月" in reply.text and "依據：《商標法》" in reply.text and "核對於" in reply.text
    assert [c.title for c in reply.choices][-1] == "去哪裡辦？"


def test_events_record_zh_hant(engine: Engine) -> None:
    ask(engine, "商標註冊要多久？")
    ask(engine, "商标注册要多久？", "u2")
    assert [r["language"] for r in engine.db["events"].rows] == [TRADITIONAL, "zh"]


def test_figures_count_a_traditional_question_as_chinese(engine: Engine) -> None:
    """The same question in either script: one knowledge gap (stored normalised), two questions."""
    day = date(2026, 11, 25)  # the fixture clock's
    ask(engine, "明天天氣怎麼樣", "u1")
    ask(engine, "明天天气怎么样", "u2")
    figures = summary(engine.db, day, day, include_internal=True)
    assert figures.questions == 2 and figures.decisions["fallback"] == 2
    [gap] = knowledge_gaps(engine.db, day, day, include_internal=True)
    assert (gap.example, gap.count) == ("明天天气怎么样", 2)


def test_a_pressed_choice_and_a_scriptless_question_stay_traditional(engine: Engine) -> None:
    first = ask(engine, "商標註冊要多久？")
    pressed = engine.answer_intent(first.choices[0].intent, Message("console", "u1", ""))
    assert pressed.language == TRADITIONAL and in_traditional(pressed) and "每類270元" in pressed.text
    assert ask(engine, "你好").language == TRADITIONAL  # shows no script: the last question's
    assert ask(engine, "商标续展").language == "zh"  # simplified again: simplified replies


def test_a_handoff_in_traditional_is_confirmed_in_traditional(engine: Engine, desk) -> None:
    reply = ask(engine, "轉人工 商標被搶註怎麼辦")
    assert reply.language == TRADITIONAL and in_traditional(reply)
    assert engine.db["tickets"].count == 1
    assert next(engine.db["tickets"].rows)["language"] == TRADITIONAL


def test_english_and_simplified_keep_their_script(engine: Engine) -> None:
    english = ask(engine, "what is open licensing of patents")
    assert english.language == "en" and english.text.startswith("The patentee declares")
    simplified = ask(engine, "开放许可是什么", "u2")
    assert simplified.language == "zh" and chinese_script(simplified.text) == "zh"


def test_conversion_writes_the_common_forms_and_mends_zhconvs_slips() -> None:
    assert to_traditional("双方签字，建瓯锥栗准予登记，标签为准") == "雙方簽字，建甌錐栗准予登記，標籤為準"
    assert to_traditional("知识产权、软件、数据") == "知識產權、軟件、數據"  # no Taiwan words


def test_fixed_texts_in_traditional() -> None:
    assert text("handoff_choice", TRADITIONAL) == "留給專員"
    assert text("clarify", TRADITIONAL) == to_traditional(text("clarify", "zh"))


def test_console_shows_answer_and_numbered_choices_in_traditional(engine: Engine) -> None:
    out = io.StringIO()
    run_console(engine, io.StringIO("商標註冊要多久？\n1\n"), out)
    replies = out.getvalue().split("\n", 1)[1]  # after the banner
    assert "9個月" in replies and "  1. 註冊商標的官費" in replies and "去哪裡辦？" in replies
    assert "每類270元" in replies and to_traditional(replies) == replies


@pytest.mark.asyncio
async def test_wecom_reply_numbers_and_hints_in_traditional(
    tmp_path: Path, kb_dir: Path, fixture_kb, clock
) -> None:
    settings = write_settings(tmp_path, kb_dir)
    engine = Engine(fixture_kb, settings, open_db(settings.db_path), clock)
    http, callback = await serve(engine, settings, clock, FakeWeComAPI())
    peer = WeComPeer(http, clock)
    try:
        first = await peer.say("firm_a", "商標註冊要多久")
        assert "9個月" in first and "  1. 註冊商標的官費" in first and "1/2/3 選擇" in first
        assert to_traditional(first) == first  # the welcome and the profile invitation too
        picked = await peer.say("firm_a", "2")
        assert "期滿前12個月內辦理續展" in picked and to_traditional(picked) == picked
    finally:
        await http.aclose()
        await callback.sender.aclose()
