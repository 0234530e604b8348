"""The report command on a seeded database: exact figures in the CSV tables and in report.md."""
from __future__ import annotations

import codecs
import csv
import os
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from metrics_seed import PERIOD, Seeder, seed_events, seed_other_tables, seed_tickets, sh

from bot.app import open_db
from bot.common.clock import SHANGHAI
from bot.common.config import MetricsSettings
from bot.metrics.queries import Period
from bot.metrics.report import ReportData, collect, write_report
from run_bot import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config whose database lives in tmp_path (no knowledge base needed for reports)."""
    path = tmp_path / "config.yaml"
    path.write_text(f"db_path: {tmp_path / 'bot.db'}\nmetrics:\n  retention_days: 365\n", encoding="utf-8")
    return path


@pytest.fixture
def seeded(config: Path) -> Path:
    db = open_db(config.parent / "bot.db")
    seed_events(db)
    seed_other_tables(db)
    seed_tickets(db)
    return config


def run_report(config: Path, *extra: str, period: tuple = PERIOD) -> tuple[int, Path]:
    out = config.parent / "out"
    code = main(["--config", str(config), "report", "--from", str(period[0]), "--to", str(period[1]),
                 "--out", str(out), *extra])
    return code, out


def read_csv(folder: Path, name: str) -> list[list[str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def rows_of(table: list[list[str]], breakdown: str) -> list[list[str]]:
    return [row[1:] for row in table[1:] if row[0] == breakdown]


def test_questions_csv(seeded: Path) -> None:
    code, out = run_report(seeded)
    assert code == 0
    table = read_csv(out, "questions")
    assert table[0] == ["breakdown", "value", "questions"]
    days = {day: int(n) for day, n in rows_of(table, "day")}
    assert len(days) == 14 and sum(days.values()) == 10
    # 00:30 on 11-11 in Shanghai is 16:30 on 11-10 in UTC: the Shanghai day counts
    assert {d: n for d, n in days.items() if n} == {
        "2026-11-09": 2, "2026-11-10": 1, "2026-11-11": 1, "2026-11-12": 2,
        "2026-11-16": 1, "2026-11-17": 1, "2026-11-18": 1, "2026-11-19": 1,
    }
    assert rows_of(table, "week") == [["2026-11-09", "6"], ["2026-11-16", "4"]]
    assert rows_of(table, "month") == [["2026-11", "10"]]
    assert rows_of(table, "topic") == [["trademark", "4"], ["out_of_scope", "3"], ["open_license", "1"],
                                       ["pledge_financing", "1"], ["smalltalk", "1"]]
    assert rows_of(table, "county") == [["建阳区", "3"], ["city", "2"], ["浦城县", "2"], ["邵武市", "2"], ["", "1"]]
    assert rows_of(table, "channel") == [["telegram", "7"], ["wecom", "3"]]


def test_csv_files_open_in_excel_on_chinese_windows(seeded: Path) -> None:
    """Excel reads a CSV as the system's ANSI code page (GBK) unless it starts with the UTF-8 BOM."""
    _, out = run_report(seeded)
    for path in out.glob("*.csv"):
        assert path.read_bytes().startswith(codecs.BOM_UTF8), path.name


def test_workbook_holds_every_csv_table_with_numbers_as_numbers(seeded: Path) -> None:
    from openpyxl import load_workbook

    from bot.common.tables import cell_value

    _, out = run_report(seeded)
    workbook = load_workbook(out / "report.xlsx", read_only=True)
    assert sorted(workbook.sheetnames) == sorted(path.stem for path in out.glob("*.csv"))
    for name in workbook.sheetnames:
        sheet = [["" if v is None else v for v in row] for row in workbook[name].iter_rows(values_only=True)]
        assert sheet == [[cell_value(cell) for cell in row] for row in read_csv(out, name)], name
    assert list(workbook["decisions"].iter_rows(min_row=2, max_row=2, values_only=True)) == [
        ("answer", 5, 0.5, "questions")]


def test_decisions_and_satisfaction_csv(seeded: Path) -> None:
    _, out = run_report(seeded)
    assert read_csv(out, "decisions") == [
        ["decision", "count", "share", "share_of"],
        ["answer", "5", "0.5000", "questions"],
        ["clarify", "2", "0.2000", "questions"],
        ["fallback", "3", "0.3000", "questions"],
        ["clarify_resolved_by_choice", "1", "0.5000", "clarify"],
    ]
    assert read_csv(out, "satisfaction") == [
        ["level", "key", "answers", "rated", "response_rate", "up", "down", "approval"],
        ["all", "", "5", "4", "0.8000", "2", "2", "0.5000"],
        ["topic", "trademark", "3", "3", "1.0000", "2", "1", "0.6667"],
        ["topic", "open_license", "1", "1", "1.0000", "0", "1", "0.0000"],
        ["topic", "pledge_financing", "1", "0", "0.0000", "0", "0", ""],
        ["entry", "tm_duration", "2", "2", "1.0000", "1", "1", "0.5000"],
        ["entry", "ol_what", "1", "1", "1.0000", "0", "1", "0.0000"],
        ["entry", "pf_how", "1", "0", "0.0000", "0", "0", ""],
        ["entry", "tm_renewal", "1", "1", "1.0000", "1", "0", "1.0000"],
    ]


def test_referrals_firms_reminders_and_gaps_csv(seeded: Path) -> None:
    _, out = run_report(seeded)
    referrals = read_csv(out, "referrals")
    assert rows_of(referrals, "station") == [["st-jy-01", "2"], ["st-pc-01", "1"]]
    assert rows_of(referrals, "station_type") == [["trademark_window", "2"], ["trademark_brand_station", "1"]]
    assert rows_of(referrals, "county") == [["建阳区", "2"], ["浦城县", "1"]]
    assert rows_of(referrals, "topic") == [["trademark", "2"], ["geographical_indication", "1"]]
    assert read_csv(out, "firms") == [
        ["period", "start", "end", "active_firms", "new_subscribers"],
        ["week", "2026-11-09", "2026-11-15", "3", "1"],
        ["week", "2026-11-16", "2026-11-22", "3", "1"],
        ["month", "2026-11-09", "2026-11-22", "4", "2"],
        ["period", "2026-11-09", "2026-11-22", "4", "2"],
    ]
    assert read_csv(out, "reminders") == [
        ["kind", "broadcasts", "scheduled", "sent", "failed", "blocked", "pending", "repeated"],
        ["broadcast", "1", "2", "0", "1", "0", "1", "0"],
        ["deadline", "1", "3", "2", "0", "1", "0", "1"],
        ["total", "2", "5", "2", "1", "1", "1", "1"],
    ]
    assert read_csv(out, "gaps") == [  # each gap with the tickets its questions became
        ["rank", "count", "fallback", "thumbs_down", "example", "variants", "tickets"],
        ["1", "2", "2", "0", "明天天气怎么样", "明天天气怎么样啊", "#1"],
        ["2", "1", "0", "1", "商标注册要多长时间", "", "#2"],
        ["3", "1", "1", "0", "天气预报", "", ""],
        ["4", "1", "0", "1", "开放许可", "", ""],
    ]


def test_tickets_csv_and_section(seeded: Path) -> None:
    _, out = run_report(seeded)
    assert read_csv(out, "tickets") == [
        ["breakdown", "value", "figure"],
        ["total", "tickets", "3"], ["total", "claimed", "2"], ["total", "answered", "2"], ["total", "closed", "1"],
        ["total", "escalated", "1"], ["share", "answered", "0.6667"], ["share", "closed", "0.3333"],
        ["median_minutes", "to_claim", "27.5"], ["median_minutes", "to_first_response", "45.0"],
        ["median_minutes", "to_close", "120.0"],
        ["topic", "trademark", "2"], ["topic", "out_of_scope", "1"],
        ["county", "", "1"], ["county", "建阳区", "1"], ["county", "浦城县", "1"],
    ]
    report = (out / "report.md").read_text(encoding="utf-8").splitlines()
    for line in ["| 转人工工单 Tickets | 3（已答复 66.7%） |", "## 转人工工单 Tickets", "| 已答复 Answered | 2（66.7%） |",
                 "| 首次答复用时 Time to first response | 45 分钟 |", "| 商标 | 2 | 66.7% |",
                 "| 1 | 2 | 2 | 0 | 明天天气怎么样 | 明天天气怎么样啊 | #1 |"]:
        assert line in report, line


def test_markdown_states_the_figures_and_the_retention(seeded: Path) -> None:
    _, out = run_report(seeded)
    report = (out / "report.md").read_text(encoding="utf-8")
    for line in [
        "- 期间 Period：2026-11-09 至 2026-11-22（Asia/Shanghai，含首尾两日；每周从周一开始）",
        "- 范围 Scope：不含内部流量（专员、cli、test 渠道）",
        "| 提问 Questions | 10 |",
        "| 已回答 answer | 5（50.0%） |",
        "| 需澄清 clarify | 2（20.0%） |",
        "| 未能回答 fallback | 3（30.0%） |",
        "| 澄清后经选择解决 Clarifications resolved by a choice | 1 / 2（50.0%） |",
        "| 满意度 Satisfaction | 👍 2 · 👎 2，满意 50.0%（评价率 80.0%：5 个回答中 4 个有评价） |",
        "| 转介 Referrals | 3 |",
        "| 活跃企业 Active firms | 4 |",
        "| 新订阅 New subscribers | 2 |",
        "| 2026-11-09 | 6 |",
        "| 商标 | 4 | 40.0% |",
        "| 范围外（未识别） | 3 | 30.0% |",
        "| 南平市（市级） | 2 | 20.0% |",
        "| 未注明 | 1 | 10.0% |",
        "| 企业微信 | 3 | 30.0% |",
        "| 合计 Total | 5 | 4 | 80.0% | 2 | 2 | 50.0% |",
        "| 知识产权质押融资 | 1 | 0 | 0.0% | 0 | 0 | — |",
        "| 建阳区 | 2 | 66.7% |",
        "| 期限提醒 | 1 | 3 | 2 | 0 | 1 | 0 | 1 |",
        "| 合计 Total | 2 | 5 | 2 | 1 | 1 | 1 | 1 |",
        "| 周 | 2026-11-09 | 2026-11-15 | 3 | 1 |",
        "| 1 | 2 | 2 | 0 | 明天天气怎么样 | 明天天气怎么样啊 | #1 |",
        "| 4 | 1 | 0 | 1 | 开放许可 | — | — |",
    ]:
        assert line in report.splitlines(), line
    assert "原始事件保留 365 天（metrics.retention_days）" in report
    assert "目前还没有事件被汇总删除。" in report
    charts = ("weekly_trend.png", "questions_per_topic.png", "decision_mix.png", "referrals_per_county.png")
    for chart in charts:
        assert f"]({chart})" in report
        assert (out / chart).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_no_satisfaction_figure_without_its_response_rate(seeded: Path) -> None:
    _, out = run_report(seeded)
    for line in (out / "report.md").read_text(encoding="utf-8").splitlines():
        if "满意" in line and "%" in line:
            assert "评价率" in line or line.count("%") >= 2, line


def test_internal_traffic_only_on_request(seeded: Path) -> None:
    _, out = run_report(seeded, "--include-internal")
    assert rows_of(read_csv(out, "questions"), "channel") == [["telegram", "8"], ["wecom", "3"], ["cli", "1"]]
    assert read_csv(out, "satisfaction")[1] == ["all", "", "6", "5", "0.8333", "3", "2", "0.6000"]
    assert read_csv(out, "firms")[-1] == ["period", "2026-11-09", "2026-11-22", "6", "2"]
    assert read_csv(out, "tickets")[1] == ["total", "tickets", "4"]  # the specialist's own test ticket too
    assert "- 范围 Scope：含内部流量（专员、cli、test 渠道）" in (out / "report.md").read_text(encoding="utf-8")


def test_reminders_are_reported_as_not_available_until_the_outbox_exists(config: Path) -> None:
    db = open_db(config.parent / "bot.db")
    seed_events(db)
    db["outbox"].drop()  # as in a database from before the reminders feature
    code, out = run_report(config)
    assert code == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "暂无数据：提醒功能的 outbox 表尚未建立。Not available yet: there is no outbox table." in report
    assert not (out / "reminders.csv").exists()
    assert "| 新订阅 New subscribers | 0 |" in report
    assert read_csv(out, "firms")[-1] == ["period", "2026-11-09", "2026-11-22", "4", "0"]


def test_empty_database_gives_a_report_that_says_so(config: Path, capsys) -> None:
    open_db(config.parent / "bot.db")
    code, out = run_report(config)
    assert code == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "> 本期间没有任何提问或转介记录。No questions or referrals were recorded in this period." in report
    assert "| 提问 Questions | 0 |" in report
    assert "| 满意度 Satisfaction | 暂无评价（0 个回答中 0 个有评价） |" in report
    assert read_csv(out, "decisions")[1] == ["answer", "0", "", "questions"]
    assert read_csv(out, "gaps") == [["rank", "count", "fallback", "thumbs_down", "example", "variants", "tickets"]]
    assert read_csv(out, "tickets")[1] == ["total", "tickets", "0"]
    assert not list(out.glob("*.png"))
    assert "report.md" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        ("2026-13-01", "2026-11-30", "report: --from '2026-13-01' is not a date (YYYY-MM-DD)"),
        ("2026-11-01", "30.11.2026", "report: --to '30.11.2026' is not a date (YYYY-MM-DD)"),
        ("2026-11-30", "2026-11-01", "report: --from 2026-11-30 is after --to 2026-11-01"),
    ],
)
def test_bad_dates_are_a_one_line_error(config: Path, capsys, start: str, end: str, error: str) -> None:
    code = main(["--config", str(config), "report", "--from", start, "--to", end,
                 "--out", str(config.parent)])
    assert code == 2
    assert capsys.readouterr().err == error + "\n"
    assert not (config.parent / "report.md").exists()


def test_missing_font_still_writes_the_report_and_says_why(seeded: Path, capsys) -> None:
    with seeded.open("a", encoding="utf-8") as config:
        config.write("  chart_font: /nonexistent/font.ttc\n")
    code, out = run_report(seeded)
    assert code == 1
    message = "charts need a CJK font, and /nonexistent/font.ttc is missing (fix metrics.chart_font)"
    database = f"database: {seeded.parent / 'bot.db'}"
    assert capsys.readouterr().err == f"{database}\nreport: charts not drawn: {message}\n"
    assert f"> 图表未生成 Charts not drawn：{message}" in (out / "report.md").read_text(encoding="utf-8")
    assert not list(out.glob("*.png"))
    assert read_csv(out, "decisions")[1] == ["answer", "5", "0.5000", "questions"]


def test_bad_metrics_config_is_a_one_line_error(config: Path, capsys) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("365", "7"), encoding="utf-8")
    assert run_report(config)[0] == 2
    assert capsys.readouterr().err == "config: metrics.retention_days must be at least 35\n"


def report_made_on_thursday_11_19(seeded: Path, start: date, end: date) -> tuple[ReportData, Path]:
    """The report of start–end written on 2026-11-19 at 20:00 in Shanghai, and its folder."""
    made = datetime(2026, 11, 19, 20, 0, tzinfo=SHANGHAI)
    data = collect(open_db(seeded.parent / "bot.db"), Period(start, end), MetricsSettings(), False, made)
    out = seeded.parent / "out"
    write_report(data, out)
    return data, out


def test_weeks_after_today_are_not_shown_as_weeks_without_questions(seeded: Path) -> None:
    """A report for the whole month, made on Thursday 11-19: weeks 11-23 and 11-30 have not happened."""
    data, out = report_made_on_thursday_11_19(seeded, date(2026, 11, 9), date(2026, 11, 30))
    assert rows_of(read_csv(out, "questions"), "week") == [["2026-11-09", "6"], ["2026-11-16", "4"]]
    assert max(day for day, _ in rows_of(read_csv(out, "questions"), "day")) == "2026-11-19"
    assert data.observed_end == date(2026, 11, 19)  # the trend chart draws the week of 11-16 as partial
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| 2026-11-23 |" not in report
    assert "生成时 2026-11-20 至 2026-11-30 尚未到来，不计入每日和每周数字" in report


def test_gaps_table_shortens_a_long_question_and_the_csv_keeps_it(seeded: Path) -> None:
    long_question = "我们公司想问一下|" + "商标被别人抢注了怎么办" * 90  # about 1,000 characters, with a pipe
    Seeder(open_db(seeded.parent / "bot.db")).ask("E", sh(17, 15), long_question, "out_of_scope", None,
                                                  "fallback", "浦城县")
    _, out = run_report(seeded)
    row = next(line for line in (out / "report.md").read_text(encoding="utf-8").splitlines()
               if "我们公司想问一下" in line)
    assert len(row) < 150 and "…" in row and len(re.findall(r"(?<!\\)\|", row)) == 8, row
    examples = [row[4] for row in read_csv(out, "gaps") if row[4].startswith("我们公司想问一下")]
    assert len(examples) == 1 and len(examples[0]) > 900  # the CSV keeps it whole


@pytest.mark.parametrize("where", ["existing file", "folder inside a file", "unwritable folder"])
def test_out_that_cannot_be_written_is_a_one_line_error(seeded: Path, capsys, where: str) -> None:
    existing = seeded.parent / "report.md"
    existing.write_text("an earlier report", encoding="utf-8")
    locked = seeded.parent / "locked"
    locked.mkdir(mode=0o500)
    out = {"existing file": existing, "folder inside a file": existing / "out",
           "unwritable folder": locked / "out" if os.geteuid() else Path("/sys/zhichuang-report")}[where]
    code = main(["--config", str(seeded), "report", "--from", "2026-11-09", "--to", "2026-11-22",
                 "--out", str(out)])
    database, err = capsys.readouterr().err.split("\n", 1)
    assert code == 2 and database == f"database: {seeded.parent / 'bot.db'}"
    assert err.startswith(f"report: cannot write the report to {out}: ") and err.count("\n") == 1, err
    assert existing.read_text(encoding="utf-8") == "an earlier report"


def test_a_period_that_has_not_begun_says_so(seeded: Path) -> None:
    _, out = report_made_on_thursday_11_19(seeded, date(2026, 12, 1), date(2026, 12, 31))
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "生成时 2026-12-01 至 2026-12-31 尚未到来，不计入每日和每周数字" in report
    assert "> 本期间没有任何提问或转介记录。" in report
