"""Firms' deadlines: month arithmetic across month ends and leap years, windows from facts, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from reminders_fakes import add_firms, knowledge_with_reminder_facts

from bot.app import load_knowledge
from bot.common.clock import SHANGHAI, ManualClock
from bot.common.schedule import add_months
from bot.delivery.outbox import Outbox
from bot.knowledge.base import KnowledgeBase
from bot.reach.deadlines import PATENT_FEE, PLEDGE_LOAN, TRADEMARK, DeadlineError, Deadlines, plan

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
MONTHS_BEFORE = {TRADEMARK: (6, 1), PATENT_FEE: (1,), PLEDGE_LOAN: (3, 1)}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load_knowledge(knowledge_with_reminder_facts(tmp_path_factory.mktemp("kb") / "knowledge"))


def days(the_plan) -> dict[str, str]:
    return {p.name: p.day.isoformat() for p in the_plan.points}


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2027-01-31", 1, "2027-02-28"),
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2028-02-29", -12, "2027-02-28"),  # 29 February in a non-leap year falls on the 28th
        ("2028-02-29", 12, "2029-02-28"),
        ("2027-03-31", -1, "2027-02-28"),
        ("2027-08-31", -6, "2027-02-28"),
        ("2026-12-31", 2, "2027-02-28"),
        ("2027-05-31", -13, "2026-04-30"),
        ("2027-01-15", -1, "2026-12-15"),  # across the year
        ("2027-03-15", 0, "2027-03-15"),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_month(start: str, months: int, expected: str) -> None:
    assert add_months(date.fromisoformat(start), months) == date.fromisoformat(expected)


def test_trademark_reminders_for_a_29_february_expiry(kb: KnowledgeBase) -> None:
    the_plan = plan(TRADEMARK, date(2028, 2, 29), kb.facts, MONTHS_BEFORE[TRADEMARK], TODAY)
    assert days(the_plan) == {
        "before_12": "2027-02-28",  # the renewal window opens 12 months before
        "before_6": "2027-08-29",
        "before_1": "2028-01-29",
        "grace": "2028-03-01",  # the day after expiry: the 6-month grace period has begun
        "grace_last": "2028-07-29",  # one month before the grace period ends
    }
    assert the_plan.last_day == date(2028, 8, 29)


def test_trademark_reminders_for_an_expiry_on_the_31st(kb: KnowledgeBase) -> None:
    the_plan = plan(TRADEMARK, date(2027, 8, 31), kb.facts, MONTHS_BEFORE[TRADEMARK], TODAY)
    assert days(the_plan) == {
        "before_12": "2026-08-31",
        "before_6": "2027-02-28",
        "before_1": "2027-07-31",
        "grace": "2027-09-01",
        "grace_last": "2028-01-31",
    }
    assert the_plan.last_day == date(2028, 2, 29)  # grace ends on a leap day


def test_patent_fee_reminders_with_the_late_period_and_surcharge(kb: KnowledgeBase) -> None:
    the_plan = plan(PATENT_FEE, date(2027, 3, 31), kb.facts, MONTHS_BEFORE[PATENT_FEE], TODAY)
    assert days(the_plan) == {"before_1": "2027-02-28", "due": "2027-03-31", "late_last": "2027-08-31"}
    assert the_plan.last_day == date(2027, 9, 30)
    assert (the_plan.values["surcharge_zh"], the_plan.values["surcharge_en"]) == ("5%", "5%")


def test_pledge_loan_reminders(kb: KnowledgeBase) -> None:
    the_plan = plan(PLEDGE_LOAN, date(2027, 5, 31), kb.facts, MONTHS_BEFORE[PLEDGE_LOAN], TODAY)
    assert days(the_plan) == {"before_3": "2027-02-28", "before_1": "2027-04-30"}


def test_windows_come_from_the_facts_not_the_code(tmp_path: Path) -> None:
    root = knowledge_with_reminder_facts(tmp_path / "knowledge")
    facts = yaml.safe_load((root / "facts.yaml").read_text(encoding="utf-8"))
    facts["trademark.renewal.window_months"]["value"] = 9
    facts["trademark.renewal.grace_months"]["value"] = 3
    (root / "facts.yaml").write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    the_plan = plan(TRADEMARK, date(2027, 12, 31), load_knowledge(root).facts, (6, 1), TODAY)
    assert days(the_plan)["before_9"] == "2027-03-31"
    assert the_plan.last_day == date(2028, 3, 31)


def test_a_missing_fact_is_a_clear_error(fixture_kb: KnowledgeBase) -> None:
    with pytest.raises(DeadlineError) as raised:
        plan(TRADEMARK, date(2027, 12, 31), fixture_kb.facts, (6, 1), TODAY)
    assert (raised.value.key, raised.value.values) == (
        "deadline_fact_missing",
        {"fact": "trademark.renewal.window_months"},
    )


@pytest.mark.parametrize(
    ("kind", "typed", "key"),
    [
        ("logo", "2027-03-15", "deadline_kind"),
        ("商标", "15/03/2027", "date_format"),
        ("商标", "2027-02-29", "bad_date"),
        ("商标", "2026-04-30", "deadline_past"),  # expired in April: the grace period ended in October
        ("质押", "2026-11-24", "deadline_past"),
        ("patent", "2099-01-01", "deadline_too_far"),
        ("商标", "0001-01-01", "deadline_too_far"),
        ("商标", "9999-12-31", "deadline_too_far"),
    ],
)
def test_bad_deadlines_are_refused_with_a_reason(fresh_db, kb, kind: str, typed: str, key: str) -> None:
    with pytest.raises(DeadlineError) as raised:
        Deadlines(fresh_db, 9, MONTHS_BEFORE).add("u1", kind, typed, "", kb.facts, NOW)
    assert raised.value.key == key


def test_an_expired_trademark_in_its_grace_period_is_accepted(fresh_db, kb) -> None:
    deadline, upcoming = Deadlines(fresh_db, 9, MONTHS_BEFORE).add(
        "u1", "商标", "2026-08-31", "", kb.facts, NOW
    )
    assert deadline.kind == TRADEMARK and upcoming == [date(2027, 1, 31)]  # the grace period's last month


@pytest.mark.asyncio
async def test_deadline_reminders_fire_once_each_and_skip_missed_ones(fresh_db, kb) -> None:
    clock = ManualClock(NOW)
    add_firms(fresh_db, 1, now=NOW, notices=0)  # deadlines need no notices consent: the firm asked
    add_firms(fresh_db, 1, start=2, now=NOW, language="en", notices=0)
    deadlines, outbox = Deadlines(fresh_db, 9, MONTHS_BEFORE), Outbox(fresh_db)
    mine, upcoming = deadlines.add("u1", "trademark", "2027-03-15", "第12345678号", kb.facts, NOW)
    deadlines.add("u2", "patent", "2027-01-10", "", kb.facts, NOW)
    assert upcoming == [date(2027, 2, 15), date(2027, 3, 16), date(2027, 8, 15)]  # 12 and 6 months: past
    assert mine.next_at == datetime(2027, 2, 15, 9, 0, tzinfo=SHANGHAI)

    clock.set(datetime(2026, 12, 10, 8, 59, tzinfo=SHANGHAI))
    assert deadlines.fire_due(outbox, kb.facts, clock.now()) == 0
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI))
    assert deadlines.fire_due(outbox, kb.facts, clock.now()) == 1  # u2's patent fee, one month ahead
    assert deadlines.fire_due(outbox, kb.facts, clock.now()) == 0
    [copy] = list(fresh_db["outbox"].rows)
    reminder = fresh_db["broadcasts"].get(copy["broadcast_id"])
    assert (copy["user"], copy["language"], reminder["kind"], reminder["topic"]) == (
        "u2",
        "en",
        "deadline",
        "patent",
    )
    assert reminder["text_en"] == "⏰ Patent annual fee: due by 2027-01-10 (about 1 month left)."

    clock.set(datetime(2027, 8, 20, 10, 0, tzinfo=SHANGHAI))  # the bot was down from February to August
    assert deadlines.fire_due(outbox, kb.facts, clock.now()) == 2  # u1: grace_last only; u2: late_last
    texts = [r["text"] for r in fresh_db["broadcasts"].rows_where("user = 'u1'")]
    assert texts == [
        "⚠️ 商标宽展期即将结束（第12345678号）：请在 2027-09-15 前办理续展，否则注册商标将被注销。"
    ]
    assert [d.next_at for d in deadlines.of("u1")] == [None]
    late = next(fresh_db["broadcasts"].rows_where("user = 'u2'", order_by="id desc"))["text"]
    assert late.startswith("⚠️ 专利年费滞纳期即将结束：请在 2027-07-10 前补缴") and "当年全额年费的5%" in late


def test_mydeadlines_lists_and_removes_only_the_firms_own(fresh_db, kb) -> None:
    deadlines = Deadlines(fresh_db, 9, MONTHS_BEFORE)
    first, _ = deadlines.add("u1", "pledge", "2027-06-30", "建行", kb.facts, NOW)
    deadlines.add("u1", "trademark", "2027-03-15", "", kb.facts, NOW)
    other, _ = deadlines.add("u2", "trademark", "2027-03-15", "", kb.facts, NOW)
    assert [(d.kind, d.due.isoformat(), d.label) for d in deadlines.of("u1")] == [
        ("trademark", "2027-03-15", ""),
        ("pledge_loan", "2027-06-30", "建行"),
    ]
    assert not deadlines.remove("u1", other.id)  # not u1's
    assert deadlines.remove("u1", first.id)
    assert [d.kind for d in deadlines.of("u1")] == ["trademark"]


def test_trademark_reminders_keep_the_2019_windows_after_the_law_changes(kb: KnowledgeBase) -> None:
    """The revised law's renewal windows are not confirmed: from 2027-01-01 the 2019 figures still count."""
    after = plan(TRADEMARK, date(2028, 2, 29), kb.facts, MONTHS_BEFORE[TRADEMARK], date(2027, 1, 5))
    assert after == plan(TRADEMARK, date(2028, 2, 29), kb.facts, MONTHS_BEFORE[TRADEMARK], TODAY)
