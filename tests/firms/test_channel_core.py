"""Channel-agnostic pieces: firm profiles and erasure, subscriptions, audit, specialists, flood, stats."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import forget_firm
from bot.common.clock import ManualClock
from bot.common.config import ConfigError, load_settings
from bot.common.flood import FloodLimit, FloodLimiter, Verdict
from bot.firms.profiles import Profiles
from bot.metrics.queries import summary, week_start
from bot.storage.audit import record_audit

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


# ---- profiles -------------------------------------------------------------------------------------

def test_ensure_creates_once_and_updates_the_chat(fresh_db) -> None:
    profiles = Profiles(fresh_db)
    firm, created = profiles.ensure("h1", "telegram", "1001", "en", NOW)
    assert created and (firm.language, firm.notices, firm.active, firm.county) == ("en", False, True, None)
    profiles.update("h1", NOW, active=0)
    again, created = profiles.ensure("h1", "telegram", "2002", "zh", NOW + timedelta(hours=1))
    assert not created
    assert (again.chat_id, again.language, again.active, again.created) == ("2002", "en", True, firm.created)
    assert again.updated == "2026-11-25T03:00:00+00:00"


def test_update_refuses_unknown_fields(fresh_db) -> None:
    profiles = Profiles(fresh_db)
    profiles.ensure("h1", "wecom", "zhangsan", "zh", NOW)
    assert profiles.update("h1", NOW, county="建瓯市", industry="bamboo", notices=1).industry == "bamboo"
    with pytest.raises(ValueError, match="not profile fields"):
        profiles.update("h1", NOW, chat_id="x")


def test_subscriptions_are_ordered_topics_with_consent_time(fresh_db) -> None:
    profiles = Profiles(fresh_db)
    profiles.subscribe("h1", "patent", NOW)
    profiles.subscribe("h1", "trademark", NOW)
    profiles.subscribe("h1", "trademark", NOW + timedelta(days=1))  # repeat keeps the first consent
    assert profiles.subscriptions("h1") == ["trademark", "patent"]
    assert {r["consented_at"] for r in fresh_db["subscriptions"].rows} == {"2026-11-25T02:00:00+00:00"}
    profiles.unsubscribe("h1", "patent")
    assert profiles.subscriptions("h1") == ["trademark"]
    with pytest.raises(ValueError, match="unknown topic"):
        profiles.subscribe("h1", "weather", NOW)


def test_forget_keeps_counts_but_nothing_points_to_the_user(engine: Engine, desk) -> None:
    profiles = Profiles(engine.db)
    mine, firm = engine.events.user("wecom", "zhangsan"), engine.events.firm("wecom", "zhangsan")
    engine.handle(Message("wecom", "zhangsan", "商标注册要多久"))
    engine.handle(Message("wecom", "zhangsan", "转人工 商标被抢注了"))
    engine.handle(Message("wecom", "lisi", "商标注册要多久"))
    profiles.ensure(firm, "wecom", "zhangsan", "zh", NOW)
    profiles.subscribe(firm, "trademark", NOW)

    forget_firm(engine.db, firm, mine)
    assert profiles.get(firm) is None and profiles.subscriptions(firm) == []
    rows = list(engine.db["events"].rows)
    assert len(rows) == 3 and [r["kind"] for r in rows] == ["question", "handoff", "question"]
    assert [(r["user"], r["question"]) for r in rows[:2]] == [(None, None), (None, None)]
    assert rows[2]["user"] == engine.events.user("wecom", "lisi") and rows[2]["question"]
    [ticket] = engine.db["tickets"].rows  # its figures stay, nothing of the firm
    assert (ticket["user"], ticket["address"], ticket["question"]) == (None, None, None)
    assert (ticket["status"], ticket["closed_by"], ticket["topic"]) == ("closed", "forgotten", "trademark")


# ---- audit and specialists ------------------------------------------------------------------------

def test_audit_rows_are_utc_with_json_detail(fresh_db) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=8)))
    record_audit(fresh_db, time=local, channel="telegram", actor="9001", action="reload", detail={"ok": True})
    [row] = fresh_db["audit"].rows
    assert (row["time"], row["actor"], json.loads(row["detail"])) == ("2026-11-25T02:00:00+00:00", "9001", {"ok": True})


def test_specialists_from_config_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("specialists:\n  telegram: [111, '222']\n  wecom: [zhangsan]\n", encoding="utf-8")
    environ = {"TELEGRAM_SPECIALISTS": " 333, ,444", "PATH": "/bin"}
    specialists = load_settings(config, environ=environ).specialists
    assert specialists.of("telegram") == {"111", "222", "333", "444"}
    assert specialists.is_specialist("telegram", 111) and specialists.is_specialist("wecom", "zhangsan")
    assert not specialists.is_specialist("wecom", "111") and not specialists.is_specialist("console", "x")
    config.write_text("specialists:\n  telegram: 111\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="config: specialists.telegram must be a list of user ids"):
        load_settings(config, environ={})


# ---- flood ----------------------------------------------------------------------------------------

def test_flood_limit_warns_once_per_window_and_slides() -> None:
    clock = ManualClock(NOW)
    limiter = FloodLimiter(FloodLimit(messages=3, per_seconds=60), clock)
    verdicts = []
    for _ in range(6):
        verdicts.append(limiter.check("u"))
        clock.advance(timedelta(seconds=1))
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert limiter.check("other") is Verdict.ALLOW
    clock.advance(timedelta(seconds=54))  # 60 s after the first message: one slot frees up
    assert limiter.check("u") is Verdict.ALLOW
    assert limiter.check("u") is Verdict.DROP  # still warned within this window
    clock.advance(timedelta(seconds=60))
    assert [limiter.check("u") for _ in range(4)] == [Verdict.ALLOW] * 3 + [Verdict.WARN]


# ---- stats ----------------------------------------------------------------------------------------

def test_weeks_start_on_monday() -> None:
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)  # a Monday
    assert week_start(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday


def test_stats_figures_for_today_and_this_week_without_internal(engine: Engine, clock: ManualClock) -> None:
    def ask(text: str, at: datetime, **kwargs) -> None:
        engine.handle(Message("telegram", kwargs.pop("user", "u1"), text, now=at, **kwargs))

    ask("商标注册要多久", datetime(2026, 11, 22, 16, 30, tzinfo=UTC))  # Mon 00:30 local: this week
    ask("注册商标多少钱", datetime(2026, 11, 22, 15, 30, tzinfo=UTC))  # Sun 23:30 local: last week
    ask("质押贷款怎么申请", datetime(2026, 11, 24, 16, 5, tzinfo=UTC))  # Wed 00:05 local: today
    ask("明天天气怎么样", NOW)
    ask("商标注册要多久", NOW, user="specialist", internal=True)
    engine.handle(Message("cli", "cli", "商标注册要多久", now=NOW))  # the cli channel is internal too

    today = date(2026, 11, 25)
    day = summary(engine.db, today, today)
    assert (day.questions, day.decisions) == (2, {"answer": 1, "clarify": 0, "fallback": 1})
    assert day.topics == {"pledge_financing": 1, "out_of_scope": 1}
    week = summary(engine.db, week_start(today), today)
    assert (week.questions, week.topics["trademark"]) == (3, 1)
    everything = summary(engine.db, today, today, include_internal=True)
    assert (everything.questions, everything.topics["trademark"]) == (4, 2)


def test_flood_limiter_forgets_idle_users() -> None:
    from bot.common.flood import PRUNE_EVERY

    clock = ManualClock(NOW)
    limiter = FloodLimiter(FloodLimit(messages=1, per_seconds=60), clock)
    limiter.check("quiet")
    limiter.check("noisy")
    limiter.check("noisy")  # warned
    clock.advance(timedelta(seconds=61))
    for n in range(PRUNE_EVERY - 3):
        limiter.check(n)
    assert "quiet" not in limiter._accepted and "noisy" not in limiter._warned
