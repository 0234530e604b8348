"""Channel-agnostic pieces the WeCom channel added: specialist commands, specialists, audit, dedup."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.answering.ports import Message
from bot.common.config import ConfigError, load_settings
from bot.handoff.desk import attach_desk
from bot.specialist_commands import SpecialistCommands, parse_command
from bot.storage.dedup import SeenDeliveries


@pytest.fixture
def staff_settings(tmp_path: Path, kb_dir: Path):
    config = tmp_path / "staff.yaml"
    config.write_text(
        f"knowledge_dir: {kb_dir}\nspecialists:\n  telegram: [123456]\n  wecom: [staff_li]\n", encoding="utf-8"
    )
    return load_settings(config, environ={})


@pytest.mark.parametrize("typed,command", [
    ("/reload", ("reload", [])), ("/stats@zhichuang_bot", ("stats", [])), (" /STATS all", ("stats", ["all"])),
    ("/start", None), ("stats", None), ("", None), ("商标/stats", None),
])
def test_parse_command(typed: str, command) -> None:
    assert parse_command(typed) == command


def test_specialists_are_configured_per_channel(staff_settings, tmp_path: Path) -> None:
    specialists = staff_settings.specialists
    assert specialists.is_specialist("telegram", "123456")
    assert specialists.is_specialist("wecom", "staff_li")
    assert not specialists.is_specialist("telegram", "staff_li")
    assert not specialists.is_specialist("console", "staff_li")
    bad = tmp_path / "bad.yaml"
    bad.write_text("specialists:\n  wecom: staff_li\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="specialists.wecom must be a list"):
        load_settings(bad, environ={})


@pytest.mark.asyncio
async def test_stats_counts_today_and_week_without_internal(engine, staff_settings, clock) -> None:
    clock.advance(timedelta(days=-1))
    engine.handle(Message("wecom", "firm_a", "商标注册要多久"))  # yesterday (Tuesday), same week
    clock.advance(timedelta(days=1))
    engine.handle(Message("wecom", "firm_a", "商标注册要多久"))
    engine.handle(Message("telegram", "42", "注册商标多少钱"))
    engine.handle(Message("wecom", "firm_b", "明天天气怎么样"))
    engine.handle(Message("wecom", "staff_li", "商标注册要多久", internal=True))
    engine.handle(Message("cli", "cli", "商标注册要多久"))
    commands = SpecialistCommands(engine, staff_settings, clock, attach_desk(engine, staff_settings, clock))
    reply = await commands.run("stats", "telegram", "123456", "en")
    today, week, scope = reply.split("\n\n")
    assert "Questions 3: answered 2" in today and "fallback 1" in today
    assert "Questions 4: answered 3" in week
    assert "Trademarks 2" in today
    [row] = engine.db["audit"].rows
    assert (row["channel"], row["actor"], row["action"]) == ("telegram", "123456", "stats")
    assert json.loads(row["detail"]) == {"today": 3, "week": 4, "all": False}
    everything = await commands.run("stats", "telegram", "123456", "en", ["all"])
    assert "Questions 5" in everything.split("\n\n")[0]


@pytest.mark.asyncio
async def test_refusal_for_others_is_logged_not_audited(engine, staff_settings, clock, caplog) -> None:
    commands = SpecialistCommands(engine, staff_settings, clock, attach_desk(engine, staff_settings, clock))
    await commands.run("stats", "wecom", "staff_li", "zh")
    assert await commands.run("reload", "wecom", "firm_a", "zh") == "抱歉，这个命令仅限人工服务专员使用。"
    assert "refused /reload on wecom" in caplog.text and "firm_a" not in caplog.text
    assert [r["action"] for r in engine.db["audit"].rows] == ["stats"]


@pytest.mark.asyncio
async def test_reload_swaps_in_the_new_base(engine, staff_settings, clock, kb_dir: Path) -> None:
    faq = kb_dir / "faq" / "trademark.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("网上申请每类", "网上提交每类"), encoding="utf-8")
    assert "网上申请" in engine.handle(Message("test", "u", "注册商标多少钱")).text
    reply = await SpecialistCommands(engine, staff_settings, clock, attach_desk(engine, staff_settings, clock)).run("reload", "wecom", "staff_li", "zh")
    assert reply.startswith("知识库已重新加载") and "6" in reply
    assert "网上提交" in engine.handle(Message("test", "u", "注册商标多少钱")).text


def test_seen_deliveries_are_kept_for_a_while_then_pruned(fresh_db, clock) -> None:
    seen = SeenDeliveries(fresh_db, "wecom", clock, keep=timedelta(minutes=10))
    assert seen.reply_for("m1") is None
    seen.remember("m1", "答复")
    seen.remember("m2", "")
    assert (seen.reply_for("m1"), seen.reply_for("m2")) == ("答复", "")
    assert SeenDeliveries(fresh_db, "telegram", clock, keep=timedelta(minutes=10)).reply_for("m1") is None
    clock.advance(timedelta(minutes=11))
    assert seen.reply_for("m1") is None
    seen.remember("m3", "x")
    assert [r["key"] for r in fresh_db["inbound_seen"].rows] == ["m3"]
