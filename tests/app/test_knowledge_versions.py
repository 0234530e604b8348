"""bot/app.py's knowledge versions: what is served, publishing only what kb check passes, restoring, and the
one reload path that /reload and the version poll share (a failing version is never served)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kb_workbook_edits import append_row, edit_cell
from settings_helper import write_settings

from bot.answering.ports import Message
from bot.app import (
    KnowledgePoller,
    create_engine,
    open_db,
    preview_tree,
    publish,
    reload_knowledge,
    restore_preview,
    served_tree,
    serving_knowledge,
)
from bot.handoff.desk import attach_desk
from bot.knowledge.tree import ENTRY, FACT, read_tree
from bot.knowledge.versions import SEED_AUTHOR, KnowledgeVersions
from bot.knowledge.workbook import export_workbook, tree_from_workbook
from bot.specialist_commands import SpecialistCommands

AUTHOR = "wecom:staff_li"
FEE_QUESTION = "注册商标多少钱"
OLD_ANSWER = "网上申请每类270元"
NEW_ANSWER = "新版：官费{trademark.fee.online_per_class}/类，网上申请。"


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path):
    return write_settings(tmp_path, kb_dir, "specialists:\n  wecom: [staff_li]\n")


@pytest.fixture
def db(settings):
    return open_db(settings.db_path)


def edited(settings, db, *edits: tuple) -> tuple[dict[str, str], list]:
    """The served tree exported, edited like a reviewer would, and read back."""
    data = export_workbook(served_tree(settings, db)[1])
    for edit in edits:
        data = edit[0](data, *edit[1:])
    return tree_from_workbook(data, served_tree(settings, db)[1])


def fee_answer(engine) -> str:
    return engine.handle(Message("wecom", "firm_a", FEE_QUESTION)).text


def test_with_nothing_published_knowledge_on_disk_is_served(settings, db) -> None:
    kb, problems = serving_knowledge(settings, db)
    assert kb is not None and kb.version is None and not [p for p in problems if p.severity == "error"]
    assert served_tree(settings, db) == (None, read_tree(settings.knowledge_dir))


def test_importing_an_unedited_export_publishes_nothing(settings, db, clock) -> None:
    tree, problems = edited(settings, db)
    preview = preview_tree(settings, db, tree, problems)
    assert preview.changes == [] and not preview.errors and not preview.publishable
    assert publish(settings, db, preview, AUTHOR, clock.now()) is None
    assert KnowledgeVersions(db).latest_number() is None


def test_a_published_edit_is_served_and_made_over_the_seed(settings, db, clock) -> None:
    before = fee_answer(create_engine(settings, clock, db))
    tree, problems = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", NEW_ANSWER),
                            (edit_cell, "facts", "trademark.fee.online_per_class", "value", 300))
    preview = preview_tree(settings, db, tree, problems)
    assert [(c.kind, c.key) for c in preview.changes] == [(ENTRY, "tm_fee"), (FACT, "trademark.fee.online_per_class")]
    version = publish(settings, db, preview, AUTHOR, clock.now(), "新官费")
    assert version is not None and version.number == 2
    seed, second = KnowledgeVersions(db).versions()[::-1]
    assert (seed.author, seed.changes) == (SEED_AUTHOR, ())
    assert (second.author, second.note, second.changes) == (AUTHOR, "新官费", version.changes)
    assert KnowledgeVersions(db).tree(1) == read_tree(settings.knowledge_dir)
    engine = create_engine(settings, clock, db)
    assert engine.kb.version == 2 and fee_answer(engine).startswith("新版：官费300元/类") and before.startswith(OLD_ANSWER)
    [audit] = db.query("select channel, actor, action, detail from audit")
    assert (audit["channel"], audit["actor"], audit["action"]) == ("wecom", "staff_li", "kb_publish")


BROKEN = {
    "unknown fact": ((edit_cell, "trademark", "tm_fee", "answer", "官费{trademark.fee.no_such_fact}。"),
                     "knowledge/faq/trademark.yaml: tm_fee: answer: unknown fact {trademark.fee.no_such_fact}"),
    "duplicate id": ((append_row, "trademark", {"id": "tm_fee", "topic": "trademark", "title": "重复", "answer": "重复",
                                                "answer_en": "Twice", "source": "测试", "reviewed": "2026-11-20"}),
                     "knowledge/faq/trademark.yaml: tm_fee: id: duplicate id (also in knowledge/faq/trademark.yaml)"),
    "missing source": ((edit_cell, "trademark", "tm_fee", "source", None),
                       "knowledge/faq/trademark.yaml: tm_fee: source: missing"),
}


@pytest.mark.parametrize("broken", BROKEN, ids=list(BROKEN))
def test_a_broken_sheet_is_refused_with_kb_checks_messages_and_nothing_is_published(settings, db, clock, broken) -> None:
    edit, message = BROKEN[broken]
    tree, problems = edited(settings, db, edit)
    preview = preview_tree(settings, db, tree, problems)
    assert preview.changes and message in [str(p) for p in preview.errors]
    assert publish(settings, db, preview, AUTHOR, clock.now()) is None
    assert KnowledgeVersions(db).latest_number() is None
    assert fee_answer(create_engine(settings, clock, db)).startswith(OLD_ANSWER)


def test_restore_publishes_an_earlier_version_again_and_its_answers_come_back(settings, db, clock) -> None:
    tree, problems = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", NEW_ANSWER))
    publish(settings, db, preview_tree(settings, db, tree, problems), AUTHOR, clock.now())
    assert fee_answer(create_engine(settings, clock, db)).startswith("新版")
    preview = restore_preview(settings, db, 1)
    assert preview is not None and [c.key for c in preview.changes] == ["tm_fee"]
    restored = publish(settings, db, preview, AUTHOR, clock.now(), restored_from=1)
    assert restored is not None and (restored.number, restored.restored_from) == (3, 1)
    assert KnowledgeVersions(db).tree(3) == KnowledgeVersions(db).tree(1)
    assert fee_answer(create_engine(settings, clock, db)).startswith(OLD_ANSWER)
    assert restore_preview(settings, db, 9) is None
    assert not restore_preview(settings, db, 3).publishable  # what is served already: nothing to publish


def publish_unchecked(db, settings, clock, answer: str) -> int:
    """A version stored past kb check (a newer release's rules, a hand-made row): it must never be served."""
    tree, _ = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", answer))
    return KnowledgeVersions(db).publish(tree, AUTHOR, clock.now(), seed=settings.knowledge_dir).number


@pytest.mark.asyncio
async def test_the_poll_switches_to_a_new_version_and_never_to_a_failing_one(settings, db, clock) -> None:
    engine = create_engine(settings, clock, db)
    poller = KnowledgePoller(engine, settings)
    assert await poller.poll() is None  # nothing published: nothing to do
    tree, problems = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", NEW_ANSWER))
    publish(settings, db, preview_tree(settings, db, tree, problems), AUTHOR, clock.now())
    reloaded = await poller.poll()
    assert reloaded is not None and reloaded.version == 2 and engine.kb.version == 2
    assert fee_answer(engine).startswith("新版") and await poller.poll() is None
    broken = publish_unchecked(db, settings, clock, "坏的{no.such_fact}")
    refused = await poller.poll()
    assert refused is not None and refused.kb is None and refused.version == broken == 3
    assert "unknown fact {no.such_fact}" in str(refused.errors[0])
    assert engine.kb.version == 2 and fee_answer(engine).startswith("新版")
    assert await poller.poll() is None  # a refused version is not checked again and again
    started = create_engine(settings, clock, db)  # a process starting now serves the last version that passes
    assert started.kb.version == 2 and fee_answer(started).startswith("新版")


@pytest.mark.asyncio
async def test_the_poll_runs_every_poll_seconds_on_its_sleep(settings, db, clock) -> None:
    engine = create_engine(settings, clock, db)
    waits: list[float] = []
    polled = asyncio.Event()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 2:
            polled.set()
            await asyncio.Event().wait()  # until stopped

    tree, problems = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", NEW_ANSWER))
    publish(settings, db, preview_tree(settings, db, tree, problems), AUTHOR, clock.now())
    poller = KnowledgePoller(engine, settings, sleep)
    poller.start()
    await asyncio.wait_for(polled.wait(), timeout=30)
    await poller.stop()
    assert waits == [settings.knowledge.poll_seconds] * 3 and engine.kb.version == 2


@pytest.mark.asyncio
async def test_reload_serves_the_newest_version_as_the_poll_does(settings, db, clock) -> None:
    engine = create_engine(settings, clock, db)
    commands = SpecialistCommands(engine, settings, clock, attach_desk(engine, settings, clock))
    tree, problems = edited(settings, db, (edit_cell, "trademark", "tm_fee", "answer", NEW_ANSWER))
    publish(settings, db, preview_tree(settings, db, tree, problems), AUTHOR, clock.now())
    assert await commands.run("reload", "wecom", "staff_li", "zh") == "知识库已重新加载（已发布版本 2）：6 条问答、6 项数据。"
    assert fee_answer(engine).startswith("新版")
    publish_unchecked(db, settings, clock, "坏的{no.such_fact}")
    reply = await commands.run("reload", "wecom", "staff_li", "zh")
    assert reply.startswith("知识库有 2 个错误，已拒绝加载") and engine.kb.version == 2
    assert (await reload_knowledge(engine, settings)).kb is None and fee_answer(engine).startswith("新版")
