"""Calendar events: knowledge/events.yaml checked by kb check, sent to topic subscribers days before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from reminders_fakes import ROOT, add_firms

from bot.app import check_knowledge
from bot.common.clock import SHANGHAI
from bot.common.config import load_settings
from bot.firms.profiles import Profiles
from bot.knowledge.calendar import events_of, read_events
from bot.reach.reminders import Scheduler

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
EVENT = {
    "id": "fair",
    "date": "05-20",
    "topic": "geographical_indication",
    "title": "地理标志产品展",
    "title_en": "GI fair",
    "text": "展会将在武夷山举办。",
    "text_en": "The fair is held in Wuyishan.",
    "source": "市场监管局通知（示例）",
}


def write_events(kb_dir: Path, events: list[dict]) -> None:
    (kb_dir / "events.yaml").write_text(yaml.safe_dump(events, allow_unicode=True), encoding="utf-8")


def test_the_shipped_world_ip_day() -> None:
    events, problems = read_events(ROOT / "knowledge")
    assert problems == []
    [ip_day] = [e for e in events if e.id == "world_ip_day"]
    assert (ip_day.month, ip_day.day, ip_day.year, ip_day.topic) == (4, 26, None, None)  # every topic
    assert "§10.5" in ip_day.source
    assert ip_day.next_date(date(2026, 11, 25)) == date(2027, 4, 26)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"topic": "weather"}, "fair: topic: unknown topic 'weather'"),
        ({"date": "13-40"}, "fair: date: '13-40' is neither MM-DD"),
        ({"text_en": ""}, "fair: text_en: missing"),
        ({"colour": "red"}, "fair: colour: unknown field"),
        ({"days_before": -3}, "fair: days_before: must be a whole number from 0 to 90"),
    ],
)
def test_kb_check_reports_bad_events_by_file_id_and_field(kb_dir: Path, change: dict, expected: str) -> None:
    write_events(kb_dir, [{**EVENT, **change}])
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    assert any(
        str(p).startswith("knowledge/events.yaml: ") and expected in str(p) for p in problems
    ), problems


def test_a_29_february_event_falls_on_the_28th_in_other_years(kb_dir: Path) -> None:
    write_events(kb_dir, [{**EVENT, "date": "02-29"}])
    [event] = read_events(kb_dir)[0]
    assert event.next_date(date(2026, 11, 25)) == date(2027, 2, 28)
    assert event.next_date(date(2027, 11, 25)) == date(2028, 2, 29)


def test_events_go_to_subscribers_days_before_once_each(kb_dir: Path, fresh_db, tmp_path: Path) -> None:
    write_events(
        kb_dir,
        [
            EVENT,
            {**EVENT, "id": "ip_day", "date": "04-26", "topic": "all", "days_before": 1},
            {**EVENT, "id": "once", "date": date(2026, 12, 1)},
        ],
    )
    kb, problems = check_knowledge(kb_dir)
    assert problems == [] and len(events_of(kb)) == 3
    config = tmp_path / "c.yaml"
    config.write_text("reminders:\n  calendar_days_before: 10\n  send_hour: 8\n", encoding="utf-8")
    scheduler = Scheduler(fresh_db, load_settings(config, environ={}).reminders, lambda: kb)
    add_firms(fresh_db, 3, now=NOW)  # notices only: no calendar events
    profiles = Profiles(fresh_db)
    profiles.subscribe("u1", "geographical_indication", NOW)
    profiles.subscribe("u2", "trademark", NOW)

    fired = {}
    for moment in (
        datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI),  # 10 days before 1 December
        datetime(2027, 4, 25, 7, 59, tzinfo=SHANGHAI),
        datetime(2027, 4, 25, 8, 0, tzinfo=SHANGHAI),
        datetime(2027, 5, 10, 8, 0, tzinfo=SHANGHAI),
        datetime(2027, 5, 10, 9, 0, tzinfo=SHANGHAI),
    ):
        fired[moment.strftime("%m-%d %H:%M")] = scheduler.fire_calendar(kb, moment)
    assert fired == {"11-21 08:00": 1, "04-25 07:59": 0, "04-25 08:00": 1, "05-10 08:00": 1, "05-10 09:00": 0}
    sent = {r["dedup_key"]: r for r in fresh_db["broadcasts"].rows}
    assert set(sent) == {"calendar:once:2026-12-01", "calendar:ip_day:2027-04-26", "calendar:fair:2027-05-20"}
    recipients = {
        key: sorted(r["user"] for r in fresh_db["outbox"].rows_where("broadcast_id = ?", [row["id"]]))
        for key, row in sent.items()
    }
    assert recipients == {
        "calendar:once:2026-12-01": ["u1"],
        "calendar:ip_day:2027-04-26": ["u1", "u2"],
        "calendar:fair:2027-05-20": ["u1"],
    }
    assert sent["calendar:fair:2027-05-20"]["text"] == "📅 地理标志产品展（2027-05-20）\n展会将在武夷山举办。"
    assert (
        sent["calendar:fair:2027-05-20"]["text_en"]
        == "📅 GI fair (2027-05-20)\nThe fair is held in Wuyishan."
    )
    # the day after an event nothing more goes out for it; a single-day event never again
    assert (
        scheduler.fire_calendar(kb, datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI) + timedelta(days=365)) == 0
    )


def test_the_daily_job_runs_once_a_shanghai_day_and_never_stops_deliveries(kb_dir: Path, fresh_db, tmp_path: Path) -> None:
    kb, _ = check_knowledge(kb_dir)
    config = tmp_path / "c.yaml"
    config.write_text("reminders:\n  send_hour: 8\n", encoding="utf-8")
    runs: list[int] = []

    def job() -> None:
        runs.append(1)
        if len(runs) == 2:
            raise RuntimeError("disk full")

    scheduler = Scheduler(fresh_db, load_settings(config, environ={}).reminders, lambda: kb, daily=job)
    for moment in (
        datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 25, 23, 59, tzinfo=SHANGHAI),  # same day: not again
        datetime(2026, 11, 26, 0, 1, tzinfo=SHANGHAI),  # next day: again (and it fails)
        datetime(2026, 11, 26, 0, 2, tzinfo=SHANGHAI),
    ):
        scheduler.fire_due(moment)  # a failing job is logged; the tick goes on
    assert len(runs) == 2
