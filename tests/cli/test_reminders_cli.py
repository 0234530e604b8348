"""The `reminders:` config block, `run_bot.py reminders list | run-once`, and /forget of reminder data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from reminders_fakes import add_firms

from bot.app import forget_firm, open_db
from bot.common.config import DEFAULT_CONFIG, ConfigError, load_settings
from bot.common.schedule import When
from bot.common.settings_reach import RateLimit
from bot.delivery.outbox import BROADCAST, Audience, Creator, Outbox
from run_bot import main

PAST = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def settings_with(tmp_path: Path, block: str):
    config = tmp_path / "c.yaml"
    config.write_text("reminders:\n" + block, encoding="utf-8")
    return load_settings(config, environ={})


def test_the_shipped_block_parses_to_the_platform_limits() -> None:
    config = load_settings(DEFAULT_CONFIG, environ={}).reminders
    assert config.limits["telegram"] == RateLimit(30, 1)
    assert (config.send_hour, config.calendar_days_before, config.delivery.concurrency) == (9, 7, 16)
    assert config.months_before["trademark"] == (6, 1)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("  colour: red\n", "config: unknown reminders settings ['colour']"),
        ("  send_hour: 25\n", "config: reminders.send_hour must be an hour from 0 to 23"),
        ("  concurrency: 0\n", "config: reminders: concurrency and max_attempts must be at least 1, the rest ≥ 0"),
        ("  idle_seconds: -1\n", "config: reminders: concurrency and max_attempts must be at least 1, the rest ≥ 0"),
        ("  concurrency: many\n", "config: reminders.concurrency must be a whole number, not 'many'"),
        ("  limits: {wecom: {per_second: -1}}\n", "config: reminders.limits.wecom.per_second must be a number ≥ 0"),
        (
            "  limits: {telegram: {per_minute: 3}}\n",
            "config: reminders.limits.telegram takes per_second and per_chat_seconds",
        ),
        (
            "  deadline_months_before: {trademark: [0]}\n",
            "config: reminders.deadline_months_before.trademark must list months from 1 to 24",
        ),
    ],
)
def test_bad_settings_are_one_line_errors(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_with(tmp_path, block)
    assert str(raised.value) == message


def test_list_and_run_once_without_credentials(settings, tmp_path: Path, capsys, monkeypatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "WECOM_CORP_ID", "WECOM_SECRET"):
        monkeypatch.delenv(name, raising=False)
    db = open_db(settings.db_path)
    add_firms(db, 2, now=PAST)
    outbox = Outbox(db)
    due = outbox.create(kind=BROADCAST, text="年检提醒", audience=Audience(), when=When(None), now=PAST)
    later = outbox.create(
        kind=BROADCAST,
        text="明年再说",
        audience=Audience(),
        when=When(datetime(2099, 1, 1, tzinfo=UTC)),
        now=PAST,
    )
    config = ["--config", str(tmp_path / "config.yaml")]

    assert main(config + ["reminders", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"#{due} · 发送：2026-01-05 09:00（北京时间）" in listing and f"#{later} · " in listing

    assert main(config + ["reminders", "run-once"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "fired 1 reminder(s)",
        "no channel credentials in the environment: the copies wait for the running bots",
    ]
    assert [r["status"] for r in open_db(settings.db_path)["outbox"].rows] == ["pending", "pending"]
    assert main(config + ["reminders", "run-once", "--fire-only"]) == 0
    assert capsys.readouterr().out == "fired 0 reminder(s)\n"


def test_forget_erases_the_firms_deadlines_copies_and_deadline_reminders(fresh_db) -> None:
    add_firms(fresh_db, 2, now=PAST)
    outbox = Outbox(fresh_db)
    for_all = outbox.create(
        kind=BROADCAST,
        text="全体",
        audience=Audience(),
        when=When(None),
        now=PAST,
        creator=Creator("telegram", "9001", "9001"),
    )
    outbox.fire(for_all, PAST)
    own = outbox.create(
        kind="deadline",
        text="您的商标…",
        audience=Audience(users=("u1",)),
        when=When(None),
        now=PAST,
        user="u1",
        dedup_key="deadline:1:grace",
    )
    outbox.fire(own, PAST)
    fresh_db["deadlines"].insert({"user": "u1", "kind": "trademark", "due": "2027-03-15"})
    forget_firm(fresh_db, "u1", "u1")
    assert [r["user"] for r in fresh_db["outbox"].rows] == ["u2"]
    assert [r["id"] for r in fresh_db["broadcasts"].rows] == [for_all]
    assert fresh_db["deadlines"].count == 0
