"""The date extractor: dates a question gives for filing, publication, conduct or decision."""
from __future__ import annotations

from datetime import date

import pytest

from bot.language.question_dates import DateSpan, question_dates

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("question", "event", "start", "end"),
    [
        ("我2019年申请的外观设计保护多久", "filing", date(2019, 1, 1), date(2019, 12, 31)),
        ("去年12月公告的商标还能异议吗", "publication", date(2025, 12, 1), date(2025, 12, 31)),
        ("去年十二月初审公告的", "publication", date(2025, 12, 1), date(2025, 12, 31)),
        ("2021年6月以后申请的外观设计", "filing", date(2021, 6, 1), date.max),
        ("2021年6月1日前申请的", "filing", date.min, date(2021, 5, 31)),
        ("商标是上个月公告的", "publication", date(2026, 11, 1), date(2026, 11, 30)),
        ("2020-03-05提交的申请", "filing", date(2020, 3, 5), date(2020, 3, 5)),
        ("他们从2027年起一直在卖仿冒产品", "conduct", date(2027, 1, 1), date.max),
        ("our design was filed in 2019", "filing", date(2019, 1, 1), date(2019, 12, 31)),
        ("the mark was published in December 2026", "publication", date(2026, 12, 1), date(2026, 12, 31)),
        ("infringement since March 2025", "conduct", date(2025, 3, 1), date.max),
        ("before June 2021 we filed it", "filing", date.min, date(2021, 5, 31)),
        ("we filed last year", "filing", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_reads_the_event_and_its_dates(question: str, event: str, start: date, end: date) -> None:
    assert question_dates(question, TODAY)[event] == DateSpan(start, end)


def test_a_date_naming_no_event_is_kept_under_none() -> None:
    assert question_dates("2019年的商标", TODAY) == {None: DateSpan(date(2019, 1, 1), date(2019, 12, 31))}


@pytest.mark.parametrize("question", ["外观设计保护多久", "商标注册要多久", "2019年13月申请的", "2月30日申请的", ""])
def test_no_date_or_an_impossible_one_gives_nothing(question: str) -> None:
    assert question_dates(question, TODAY) == {}


def test_relative_dates_follow_the_clock() -> None:
    assert question_dates("去年申请的", date(2028, 1, 5))["filing"] == DateSpan.of(2027)
