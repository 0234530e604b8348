"""Retention: events past the limit become daily aggregates and are deleted; report counts do not change."""
from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from metrics_seed import MONTH, Seeder, seed_events, seed_other_tables, sh

from bot.app import open_db
from bot.common.clock import ManualClock
from bot.common.config import load_settings
from bot.metrics.queries import Period, active_firms, day_start_utc
from bot.metrics.report import collect
from bot.metrics.retention import run_retention
from run_bot import main

COUNT_TABLES = ("questions", "decisions", "satisfaction", "referrals", "reminders")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"db_path: {tmp_path / 'bot.db'}\nmetrics:\n  retention_days: 35\n", encoding="utf-8")
    db = open_db(tmp_path / "bot.db")
    seed_events(db)
    seed_other_tables(db)
    # an answer late on Sunday 11-15 rated just after midnight: the rollup at 11-16 splits the pair
    s = Seeder(db)
    late = s.ask("D", sh(15, 23, 59), "商标续展", "trademark", "tm_renewal", "answer", "浦城县")
    s.rate("D", sh(16, 0, 1), late, "down")
    return path


def report(config: Path, name: str) -> dict[str, list[list[str]]]:
    out = config.parent / name
    assert main(["--config", str(config), "report", "--from", str(MONTH[0]), "--to", str(MONTH[1]),
                 "--out", str(out)]) == 0
    tables = {}
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            tables[path.stem] = list(csv.reader(handle))
    tables["report.md"] = [[line] for line in (out / "report.md").read_text(encoding="utf-8").splitlines()]
    return tables


def firms_after(before: list[list[str]], cutoff: date) -> list[list[str]]:
    """What survives: whole weeks and months (stored), and what is still counted from live events."""
    expected = [before[0]]
    for kind, start, end, active, subscribers in before[1:]:
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
        kept = (kind != "period" and period.is_whole(kind)) or period.start >= cutoff
        expected.append([kind, start, end, active if kept else "", subscribers])
    return expected


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2027, 1, 15, 2, 0, tzinfo=UTC), date(2026, 12, 11)),  # everything rolled up
        (datetime(2026, 12, 21, 2, 0, tzinfo=UTC), date(2026, 11, 16)),  # half rolled up, half live
    ],
)
def test_report_counts_are_identical_before_and_after_retention(
    config: Path, now: datetime, cutoff: date
) -> None:
    settings = load_settings(config, environ={})
    before = report(config, "before")
    db = open_db(settings.db_path)
    events_before = db["events"].count

    result = run_retention(db, ManualClock(now), settings)

    assert result.cutoff == cutoff
    remaining = db["events"].count
    assert result.events_rolled_up == events_before - remaining > 0
    older = db.execute("SELECT count(*) FROM events WHERE time < ?", [day_start_utc(cutoff)]).fetchone()[0]
    assert older == 0
    columns = set(db["daily_aggregates"].columns_dict)
    assert columns >= {"day", "kind", "county", "topic", "decision", "station_id"}
    assert not {"user", "question", "detail"} & columns
    after = report(config, "after")
    for name in COUNT_TABLES:
        assert after[name] == before[name], name
    assert after["firms"] == firms_after(before["firms"], cutoff)
    assert len(after["gaps"]) < len(before["gaps"])  # rolled-up days keep no question text
    assert ["| 月 | 2026-11-01 | 2026-11-30 | 4 | 3 |"] in after["report.md"]
    assert [f"{cutoff} 之前的问题原文已按保留期删除，只统计之后的问题。"] in after["report.md"]
    assert [f"- 数据保留 Retention：原始事件保留 35 天（metrics.retention_days），之后由每日任务汇总为每日统计"
            f"（按日、主题、决策、县区、渠道、站点、类型计数）再删除。{cutoff} 之前的事件只剩每日汇总："
            "本报告中这部分的计数来自汇总，但知识缺口和非整周/整月的活跃企业数已无法计算（标为 —）。"] in after["report.md"]


def test_retention_is_idempotent(config: Path) -> None:
    settings = load_settings(config, environ={})
    db = open_db(settings.db_path)
    clock = ManualClock(datetime(2027, 1, 15, 2, 0, tzinfo=UTC))
    first = run_retention(db, clock, settings)
    aggregates = list(db["daily_aggregates"].rows)
    stored = list(db["active_firms"].rows)
    second = run_retention(db, clock, settings)
    assert (first.events_rolled_up, first.periods_stored) == (28, 12)  # 10 weeks and 2 months
    assert (second.events_rolled_up, second.periods_stored) == (0, 0)
    assert list(db["daily_aggregates"].rows) == aggregates
    assert list(db["active_firms"].rows) == stored
    assert second.describe() == ("retention 35 days: rolled up and deleted 0 events "
                                 "of days before 2026-12-11; "
                                 "stored active firms for 0 week(s)/month(s)")


def test_aggregates_hold_the_rating_and_the_resolved_clarification(config: Path) -> None:
    settings = load_settings(config, environ={})
    db = open_db(settings.db_path)
    run_retention(db, ManualClock(datetime(2027, 1, 15, 2, 0, tzinfo=UTC)), settings)
    rows = {(r["day"], r["kind"], r["intent"], r["decision"], r["outcome"]): r["count"]
            for r in db["daily_aggregates"].rows if r["internal"] == 0}
    # rated down, then up: the last rating counts
    assert rows[("2026-11-09", "question", "tm_renewal", "answer", "up")] == 1
    assert rows[("2026-11-12", "question", "ol_what", "clarify", "resolved")] == 1
    assert rows[("2026-11-12", "question", "tm_fee", "clarify", "")] == 1
    assert rows[("2026-11-12", "choice", "ol_what", "answer", "down")] == 1


def test_firms_of_a_week_cut_by_the_rollup_are_not_guessed(config: Path) -> None:
    settings = load_settings(config, environ={})
    db = open_db(settings.db_path)
    run_retention(db, ManualClock(datetime(2026, 12, 21, 2, 0, tzinfo=UTC)), settings)
    whole, cut = Period(date(2026, 11, 9), date(2026, 11, 15)), Period(date(2026, 11, 12), date(2026, 11, 18))
    assert active_firms(db, [("week", whole), ("week", cut)]) == [4, None]


def test_retention_command_prints_what_it_did(config: Path, capsys) -> None:
    assert main(["--config", str(config), "retention"]) == 0
    assert capsys.readouterr().out.startswith("retention 35 days: rolled up and deleted ")


def test_a_report_read_while_the_daily_job_commits_counts_each_event_once(config: Path) -> None:
    """The job commits between a figure's live query and its aggregates query: the report, read in one
    snapshot, still counts what it counted before, not the moved events twice."""
    settings = load_settings(config, environ={})
    reader, writer = open_db(settings.db_path), open_db(settings.db_path)
    generated = datetime(2027, 1, 15, 2, 0, tzinfo=UTC)
    before = collect(reader, Period(*MONTH), settings.metrics, False, generated)
    runs = []

    def job_midway(sql: str, params: object) -> None:
        if "FROM daily_aggregates" in sql and not runs:
            runs.append(run_retention(writer, ManualClock(generated), settings))

    with reader.tracer(job_midway):
        during = collect(reader, Period(*MONTH), settings.metrics, False, generated)
    assert runs[0].events_rolled_up == 28
    assert during == before
    assert replace(collect(reader, Period(*MONTH), settings.metrics, False, generated),
                   firms=[], gaps=[], rolled_before=None) == replace(before, firms=[], gaps=[])
