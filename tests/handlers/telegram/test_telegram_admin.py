"""Specialists' commands, the audit table, the error handler and the command menus."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import yaml
from tg_harness import FIRM, SPECIALIST, start_bot

from bot.answering.engine import Engine
from bot.common.config import load_settings

pytestmark = pytest.mark.asyncio


async def test_specialist_commands_are_refused_to_firms_and_logged(tg, engine: Engine, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="handlers.telegram.specialist")
    for command in ("/stats", "/reload"):
        await tg.say(FIRM, command)
    assert tg.texts() == ["抱歉，这个命令仅限人工服务专员使用。"] * 2
    refused = [r.getMessage() for r in caplog.records]
    assert len(refused) == 2 and "refused /stats" in refused[0] and "refused /reload" in refused[1]
    assert str(FIRM) not in " ".join(refused)  # logged by pseudonym, not the raw id
    assert list(engine.db["audit"].rows) == []


async def test_stats_for_a_specialist_leave_internal_traffic_out(tg, engine: Engine, clock) -> None:
    clock.advance(timedelta(days=-2))  # Monday 2026-11-23: this week, not today
    await tg.say(FIRM, "注册商标多少钱")
    clock.advance(timedelta(days=2))
    await tg.say(FIRM, "商标注册要多久")
    await tg.press(FIRM, "👍")
    await tg.say(FIRM, "明天天气怎么样")
    await tg.say(FIRM, "转人工")
    await tg.say(SPECIALIST, "商标注册要多久")  # a specialist trying the bot: internal
    tg.new()
    assert [r["internal"] for r in engine.db["events"].rows_where("kind = 'question'")] == [0, 0, 0, 1]

    await tg.say(SPECIALIST, "/stats")
    [figures] = tg.texts()
    today, week, scope = figures.split("\n\n")
    assert today.splitlines()[0] == "【今日】📊 2026-11-25 至 2026-11-25"
    assert "提问 2：已回答 1，需澄清 0（其中 0 个经选择解决），未能回答 1" in today
    assert "满意度：👍 1 · 👎 0，满意 100.0%（评价率 100.0%：1 个回答中 1 个有评价）" in today  # never without its rate
    assert today.splitlines()[-2:] == ["按主题：商标 1 · 范围外 1",
                                       "转人工工单 1：已答复 0 · 已关闭 0 · 超时升级 0 · 首次答复中位 暂无"]
    assert week.splitlines()[0] == "【本周】📊 2026-11-23 至 2026-11-25"
    assert "提问 3：已回答 2" in week and week.splitlines()[-2] == "按主题：商标 2 · 范围外 1"
    assert "不含专员" in scope
    await tg.say(SPECIALIST, "/stats all")
    assert "提问 3：已回答 2" in tg.texts()[0]


async def test_reload_refuses_a_broken_base_and_keeps_the_running_one(tg, engine: Engine, kb_dir) -> None:
    path = kb_dir / "faq" / "trademark.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[0]["follow_ups"] = ["tm_nowhere"]
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")

    await tg.say(SPECIALIST, "/reload")
    [refusal] = tg.texts()
    assert refusal.splitlines() == [
        "知识库有 1 个错误，已拒绝加载，继续使用当前版本：",
        "knowledge/faq/trademark.yaml: tm_duration: follow_ups: unknown entry 'tm_nowhere'",
    ]
    await tg.say(FIRM, "商标注册要多久")
    assert "9个月" in tg.texts()[0]  # the running base still answers

    entries[0]["follow_ups"] = []
    entries[0]["answer"] = "新版答案：实质审查在{trademark.exam.substantive}内完成。"
    entries[0]["answer_en"] = "New answer: examination ends within {trademark.exam.substantive}."  # same figures
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    await tg.say(SPECIALIST, "/reload")
    assert tg.texts() == ["知识库已重新加载：6 条问答、6 项数据。"]
    await tg.say(FIRM, "商标注册要多久")
    assert tg.texts()[0].startswith("新版答案")

    audit = list(engine.db["audit"].rows)
    assert [(a["channel"], a["actor"], a["action"]) for a in audit] == [("telegram", str(SPECIALIST), "reload")] * 2
    assert [json.loads(a["detail"]) for a in audit] == [
        {"ok": False, "errors": 1}, {"ok": True, "entries": 6, "facts": 6}]
    assert audit[0]["time"] == "2026-11-25T02:00:00+00:00"


async def test_specialists_from_the_environment(settings, engine, clock, tmp_path) -> None:
    settings = load_settings(tmp_path / "config.yaml", environ={"TELEGRAM_SPECIALISTS": f"{FIRM}, 42"})
    bot = await start_bot(settings, engine, clock)
    await bot.say(FIRM, "/help")
    assert "/reload" in bot.texts()[0]
    await bot.say(FIRM, "商标注册要多久")
    assert engine.db["events"].count_where("internal = 1") == 1
    await bot.app.shutdown()


async def test_an_error_is_logged_with_the_update_id_and_the_user_is_told(settings, engine, clock, caplog,
                                                                        monkeypatch) -> None:
    bot = await start_bot(settings, engine, clock)
    real_handle = engine.handle

    def broken(message):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(engine, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="handlers.telegram.errors"):
        await bot.say(FIRM, "商标注册要多久")
    assert bot.texts() == ["抱歉，处理您的消息时出错了，请稍后再试。"]
    assert [str(e) for e in bot.errors] == ["database is on fire"]
    [record] = caplog.records
    assert record.getMessage().startswith("telegram update 1 failed") and record.exc_info

    monkeypatch.setattr(engine, "handle", real_handle)
    await bot.say(FIRM, "商标注册要多久")  # the application keeps running
    assert "9个月" in bot.texts()[0]
    await bot.app.shutdown()


async def test_command_menus_in_chinese_and_english(tg) -> None:
    await tg.app.post_init(tg.app)
    calls = tg.new("setMyCommands")
    public = [c for c in calls if "scope" not in c.params]
    assert [c.params.get("language_code") for c in public] == [None, "zh", "en"]
    zh = {c["command"]: c["description"] for c in public[1].params["commands"]}
    en = {c["command"]: c["description"] for c in public[2].params["commands"]}
    assert zh["forget"] == "删除我的资料" and en["forget"] == "Delete my data"
    assert (zh["station"], en["station"]) == ("查找服务站点", "Find a service station")
    assert "stats" not in zh
    scoped = [c for c in calls if "scope" in c.params]
    assert {c.params["scope"]["chat_id"] for c in scoped} == {SPECIALIST}
    assert {c["command"] for c in scoped[0].params["commands"]} >= {"stats", "reload", "start"}
    for call in calls:
        for command in call.params["commands"]:
            assert 1 <= len(command["command"]) <= 32 and 1 <= len(command["description"]) <= 256
    await tg.app.post_stop(tg.app)  # post_init also started the tickets' periodic round


async def test_stats_sends_the_trend_chart_and_gaps_lists_unanswered_questions(tg, engine: Engine) -> None:
    await tg.say(FIRM, "我们厂的商业秘密被员工带走了")
    await tg.say(FIRM, "我们厂的商业秘密被员工带走了怎么办")
    tg.new()
    await tg.say(SPECIALIST, "/stats")
    [photo] = tg.new("sendPhoto")
    assert photo.params["chat_id"] == SPECIALIST  # the PNG itself goes as a multipart upload
    await tg.say(SPECIALIST, "/gaps")
    [gaps] = tg.texts()
    assert "商业秘密" in gaps
    await tg.say(FIRM, "/gaps")
    assert tg.texts() == ["抱歉，这个命令仅限人工服务专员使用。"]



async def test_gaps_shows_what_the_firm_wrote_until_it_uses_forget(tg, engine: Engine) -> None:
    await tg.say(FIRM, "帮我写一首诗吧！")
    assert next(engine.db.query("select question from events where kind = 'question'"))["question"] != "帮我写一首诗吧！"
    tg.new()
    await tg.say(SPECIALIST, "/gaps")
    assert "帮我写一首诗吧！" in tg.texts()[0]
    await tg.say(FIRM, "/forget")
    await tg.press(FIRM, "确认删除")
    tg.new()
    await tg.say(SPECIALIST, "/gaps")
    assert "帮我写一首诗" not in tg.texts()[0]
