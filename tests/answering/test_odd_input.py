"""Odd input never crashes the core: lone surrogates, huge numbers, huge handoffs, broken knowledge files."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.engine import MAX_QUESTION_CHARS, Engine
from bot.answering.ports import HANDOFF_INTENT, Message
from bot.app import check_knowledge, load_knowledge
from bot.common.config import load_settings
from bot.common.settings_handoff import Staff
from bot.handoff.desk import STAFF_LANGUAGE, TicketDesk
from bot.i18n.texts import text
from bot.knowledge.check import KnowledgeError
from bot.specialist_commands import SpecialistCommands

LONE = "\ud800"
HUGE_ID = "9" * 30


def _no_surrogates(value: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def stored_texts(engine: Engine) -> list[str]:
    """Every text value of every row of the database."""
    db = engine.db
    return [v for table in db.table_names() for row in db[table].rows for v in row.values() if isinstance(v, str)]


def test_a_lone_surrogate_in_a_handoff_is_stored_replaced(engine: Engine, desk: TicketDesk) -> None:
    reply = engine.handle(Message("test", "u1", f"转人工 商标{LONE}被抢注怎么办"))
    assert reply.intent == HANDOFF_INTENT
    [ticket] = engine.db["tickets"].rows
    assert ticket["question"] == "商标\ufffd被抢注怎么办"
    assert all(_no_surrogates(v) for v in stored_texts(engine))


@pytest.mark.parametrize("intent", [LONE, f"a{LONE}", f"topic:{LONE}", f"where:{LONE}"])
def test_a_lone_surrogate_in_a_pressed_choice_falls_back(engine: Engine, intent: str) -> None:
    reply = engine.answer_intent(intent, Message("test", "u1", ""))
    assert reply.text
    assert all(_no_surrogates(v) for v in stored_texts(engine))


def test_a_lone_surrogate_in_a_question_is_answered(engine: Engine) -> None:
    assert engine.handle(Message("test", "u1", f"商标注册要多久{LONE}")).intent == "tm_duration"


def test_a_huge_handoff_is_capped_like_a_question(engine: Engine, desk: TicketDesk) -> None:
    engine.handle(Message("test", "u1", "转人工 " + "商标被抢注怎么办" * 12_500))
    [ticket] = engine.db["tickets"].rows
    [event] = engine.db["events"].rows
    assert 0 < len(ticket["question"]) <= MAX_QUESTION_CHARS
    assert len(event["question"]) <= MAX_QUESTION_CHARS


@pytest.mark.parametrize("command", ["claim", "reply", "close", "draft"])
def test_a_huge_ticket_number_is_not_found(engine: Engine, desk: TicketDesk, command: str) -> None:
    said = desk.command(command, Staff("telegram", "9"), f"/{command} {HUGE_ID} 好的")
    assert said == text("ticket_not_found", STAFF_LANGUAGE, id=HUGE_ID)


def test_a_firm_closing_a_huge_ticket_number_is_told(engine: Engine, desk: TicketDesk) -> None:
    assert desk.firm_command("telegram", "1", f"/close {HUGE_ID}") == text("ticket_none_active", "zh")


@pytest.mark.parametrize("content", [b"\xff\xfe\x00b\x00a\x00d", "- id: tm_x\n  title: 商标".encode()[:-1]])
def test_an_unreadable_knowledge_file_is_a_problem_not_a_crash(kb_dir: Path, content: bytes) -> None:
    (kb_dir / "faq" / "broken.yaml").write_bytes(content)
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    assert [(p.file, p.field) for p in problems if p.severity == "error"] == [("knowledge/faq/broken.yaml", "file")]
    assert "UTF-8" in str(problems[0])
    with pytest.raises(KnowledgeError):
        load_knowledge(kb_dir)


@pytest.mark.asyncio
async def test_reload_of_an_unreadable_file_keeps_the_old_knowledge(engine: Engine, settings, clock,
                                                                     kb_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "staff.yaml"
    config.write_text(f"knowledge_dir: {kb_dir}\nspecialists:\n  wecom: [staff_li]\n", encoding="utf-8")
    staff_settings = load_settings(config, environ={})
    (kb_dir / "faq" / "trademark.yaml").write_bytes("商标".encode("gbk"))
    commands = SpecialistCommands(engine, staff_settings, clock, TicketDesk(engine, staff_settings, clock))
    reply = await commands.run("reload", "wecom", "staff_li", "zh")
    assert reply.startswith("知识库有 1 个错误") and "trademark.yaml" in reply and "UTF-8" in reply
    assert engine.handle(Message("test", "u", "商标注册要多久")).intent == "tm_duration"


@pytest.mark.parametrize("field", ["handoff_words", "subjects", "off_topic_words", "followup_markers"])
def test_a_word_list_written_as_a_string_is_refused(kb_dir: Path, field: str) -> None:
    synonyms = kb_dir / "synonyms.yaml"
    lines = [line for line in synonyms.read_text(encoding="utf-8").splitlines() if not line.startswith(f"{field}:")]
    synonyms.write_text("\n".join(lines) + f"\n{field}: 转人工\n", encoding="utf-8")
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    assert any(p.field == field and "list" in p.message for p in problems), problems
