"""The bureau's pages: the dashboard's figures, charts, targets and downloads; the knowledge pages."""
from __future__ import annotations

import csv
import io

import pytest
from metrics_seed import seed_events, seed_other_tables, seed_tickets
from openpyxl import load_workbook
from web_harness import console_client, log_in

from bot.app import load_knowledge

PERIOD = "from=2026-11-09&to=2026-11-22"


@pytest.fixture
def seeded(db):
    seed_events(db)
    seed_other_tables(db)
    seed_tickets(db)
    return db


def test_the_dashboard_shows_the_reports_figures(client, seeded) -> None:
    log_in(client, "ju")
    page = client.get(f"/dashboard?{PERIOD}").text
    assert "2026-11-09 至 2026-11-22" in page
    assert "<td>提问 Questions</td><td class=\"n\">10</td>" in page
    assert "<td>已回答 answer</td><td class=\"n\">5（50.0%）</td>" in page
    assert "<td>未能回答 fallback</td><td class=\"n\">3（30.0%）</td>" in page
    assert "<td>Telegram</td><td class=\"n\">7</td><td class=\"n\">70.0%</td>" in page
    assert "<td>企业微信</td><td class=\"n\">3</td>" in page
    assert ("<td>合计 Total</td><td class=\"n\">5</td><td class=\"n\">4</td><td class=\"n\">80.0%</td>"
            "<td class=\"n\">2</td><td class=\"n\">2</td><td class=\"n\">50.0%</td>") in page
    assert "<td>建阳区</td><td class=\"n\">2</td>" in page  # referrals by county
    assert "<td>期限提醒</td><td class=\"n\">1</td>" in page  # reminders: one deadline broadcast
    assert "<td>首次答复用时 Time to first response</td><td class=\"n\">45 分钟</td>" in page
    assert 'src="data:image/png;base64,' in page  # the report's charts, inline
    assert "A" not in [cell.strip() for cell in page.split("<td>")]  # no firm names


def test_the_dashboard_counts_internal_traffic_only_when_asked(client, seeded) -> None:
    log_in(client, "ju")
    assert "<td>提问 Questions</td><td class=\"n\">12</td>" in client.get(f"/dashboard?{PERIOD}&internal=1").text


def test_bad_dates_fall_back_to_this_month_with_a_note(client, seeded) -> None:
    log_in(client, "ju")
    page = client.get("/dashboard?from=2026-13-01&to=yesterday").text
    assert "日期格式应为 YYYY-MM-DD" in page and "2026-11-01 至 2026-11-25" in page
    page = client.get("/dashboard?from=2026-11-20&to=2026-11-10").text
    assert "开始日期 2026-11-20 晚于结束日期 2026-11-10" in page
    assert "期间最长三年，已从 2023-11-24 起计" in client.get("/dashboard?from=2020-01-01&to=2026-11-25").text
    assert "日期须在今天前后 10 年之内" in client.get("/dashboard?from=0001-01-01").text


def test_downloads_are_the_reports_tables(client, seeded) -> None:
    log_in(client, "ju")
    response = client.get(f"/dashboard/report.xlsx?{PERIOD}")
    assert response.headers["content-disposition"] == 'attachment; filename="report_2026-11-09_2026-11-22.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert "questions" in workbook.sheetnames and "tickets" in workbook.sheetnames
    response = client.get(f"/dashboard/decisions.csv?{PERIOD}")
    assert response.content.startswith("\ufeff".encode())  # Excel on Chinese Windows reads it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["decision", "count", "share", "share_of"]
    assert rows[1] == ["answer", "5", "0.5000", "questions"]
    assert client.get(f"/dashboard/nothing.csv?{PERIOD}").status_code == 404


def test_the_plans_targets_come_from_the_facts(web_settings, clock, kb_dir, accounts) -> None:
    with (kb_dir / "facts.yaml").open("a", encoding="utf-8") as facts:
        facts.write("\nplan.open_licences:\n  value: 10\n  source: 南平市试点方案 二、工作目标（样例）\n  reviewed: 2026-11-25\n")
    with console_client(web_settings, clock, load_knowledge(kb_dir)) as served:
        log_in(served, "ju")
        page = served.get(f"/dashboard?{PERIOD}").text
    assert "<td>plan.open_licences</td><td>10</td><td>南平市试点方案 二、工作目标（样例）</td>" in page


def test_knowledge_lists_searches_and_counts_use(client, seeded) -> None:
    log_in(client, "ju")
    page = client.get("/knowledge?topic=trademark").text
    assert 'href="/knowledge/tm_duration"' in page and "pf_how" not in page
    assert 'href="/knowledge/tm_renewal"' not in client.get("/knowledge?q=费用").text
    assert 'href="/knowledge/tm_fee"' in client.get("/knowledge?q=费用").text


def test_an_entry_reads_as_on_the_chosen_day(client, seeded, fixture_kb, clock) -> None:
    log_in(client, "li")  # specialists read the knowledge base too
    entry = fixture_kb.entries["tm_fee"]
    page = client.get("/knowledge/tm_fee?day=2026-11-25&from=2026-11-01&to=2026-11-30").text
    rendered = fixture_kb.facts.render(entry.answer, "zh", clock.now().date(), None, entry.cites)
    assert rendered.splitlines()[0] in page and "{" not in rendered  # facts filled in
    assert entry.source in page and str(entry.reviewed) in page
    assert "<th>作为回答给出</th><td class=\"n\">0</td>" in page
    page = client.get("/knowledge/tm_renewal?from=2026-11-01&to=2026-11-30").text
    assert "<th>👍 / 👎（满意度）</th><td class=\"n\">1 / 0（100.0%）</td>" in page
    assert "不是日期" in client.get("/knowledge/tm_fee?day=soon").text
    assert client.get("/knowledge/no_such_entry").status_code == 404


def test_specialists_cannot_open_the_bureaus_pages(client) -> None:
    log_in(client, "li")
    for path in ("/dashboard", "/dashboard/report.xlsx", "/dashboard/questions.csv"):
        response = client.get(path)
        assert response.status_code == 403 and "您的角色不能打开此页面" in response.text
    client.cookies.clear()
    assert client.get("/dashboard").headers["location"] == "/login?why=login"
