"""Facts over time: which version an answer quotes, and the condition it adds, by the date that matters."""
from __future__ import annotations

from datetime import date

import pytest

from bot.knowledge.facts import FactBook, Law, parse_fact
from bot.language.question_dates import DateSpan

LAWS = {
    "tm_2019": Law("tm_2019", "2019年《商标法》", "the Trademark Law (2019)", valid_until=date(2026, 12, 31)),
    "tm_2027": Law("tm_2027", "修订后的《商标法》", "the revised Trademark Law", valid_from=date(2027, 1, 1)),
    "pt_old": Law("pt_old", "修改前的《专利法》", "the earlier Patent Law", valid_until=date(2021, 5, 31)),
    "pt_2020": Law("pt_2020", "《专利法》（2020年修正）", "the Patent Law (2020)", valid_from=date(2021, 6, 1)),
}
MONTHS = {"unit": "个月", "unit_en": "months", "source": "s", "reviewed": date(2026, 12, 3)}
YEARS = {"unit": "年", "unit_en": "years", "source": "s", "reviewed": date(2026, 12, 3)}
FACTS = {
    "t.fee": {"value": 270, "unit": "元", "unit_en": "yuan", "source": "s", "reviewed": date(2026, 12, 3)},
    "t.design": {"applies_by": "filing", "versions": [{"value": 10, "law": "pt_old", **YEARS},
                                                      {"value": 15, "law": "pt_2020", **YEARS}]},
    "t.opposition": {"applies_by": "publication", "versions": [{"value": 3, "law": "tm_2019", **MONTHS},
                                                              {"value": 2, "law": "tm_2027", "safe": True, **MONTHS}]},
    "t.damages": {"applies_by": "conduct", "value": 500, "law": "tm_2019", "unit": "万元", "unit_en": "0,000 yuan",
                "source": "s", "reviewed": date(2026, 12, 3)},
    "t.article": {"article": True, "versions": [
        {"value": "第三十三条", "value_en": "Art. 33", "law": "tm_2019", "source": "s", "reviewed": date(2026, 12, 3)},
        {"value": "第三十六条", "value_en": "Art. 36", "law": "tm_2027", "source": "s", "reviewed": date(2026, 12, 3)},
    ]},
}
DECEMBER, JANUARY = date(2026, 12, 15), date(2027, 1, 5)


@pytest.fixture(scope="module")
def book() -> FactBook:
    facts = {}
    for name, raw in FACTS.items():
        fact, problems = parse_fact(name, raw)
        assert problems == [] and fact is not None, problems
        facts[name] = fact
    return FactBook(facts, LAWS)


def test_a_plain_fact_reads_as_before(book: FactBook) -> None:
    assert book.render("每类{t.fee}", "zh", JANUARY) == "每类270元"


@pytest.mark.parametrize(
    ("filed", "expected"),
    [
        (None, "15年（申请日在2021-06-01以前的为10年）"),
        (DateSpan.of(2019), "10年（申请日在2021-06-01以前，适用修改前的《专利法》；15年的规定不适用）"),
        (DateSpan.of(2022), "15年（申请日在2021-06-01及以后，适用《专利法》（2020年修正）；10年的规定不适用）"),
        (DateSpan.of(2021), "10年（申请日在2021-06-01及以后的为15年）"),  # the year straddles the switch: both
    ],
)
def test_the_filing_date_picks_the_design_term(book: FactBook, filed: DateSpan | None, expected: str) -> None:
    assert book.render("{t.design}", "zh", DECEMBER, {"filing": filed} if filed else None) == expected


def test_english_names_the_condition_too(book: FactBook) -> None:
    assert book.render("{t.design}", "en", DECEMBER) == "15 years (10 years if filed before 2021-06-01)"
    assert book.render("{t.design}", "en", DECEMBER, {"filing": DateSpan.of(2019)}) == (
        "10 years (if filed before 2021-06-01: the earlier Patent Law applies; the rule of 15 years does not)")


def test_the_opposition_gives_the_safe_course_across_the_switch(book: FactBook) -> None:
    assert book.render("{t.opposition}", "zh", DECEMBER) == "3个月（2027-01-01起为2个月；过渡规则未确认，稳妥起见按2个月计）"
    assert book.render("{t.opposition}", "zh", JANUARY) == "2个月（公告日在2027-01-01以前的，过渡规则未确认，稳妥起见也按2个月计）"
    published_2026 = {"publication": DateSpan.of(2026, 11)}
    assert "稳妥起见" in book.render("{t.opposition}", "zh", JANUARY, published_2026)
    published_2027 = {"publication": DateSpan.of(2027, 1)}
    assert book.render("{t.opposition}", "zh", JANUARY, published_2027).startswith("2个月（公告日在2027-01-01及以后，适用修订后的《商标法》")


def test_an_article_number_follows_its_law(book: FactBook) -> None:
    assert book.render("{t.article}", "zh", DECEMBER) == "2019年《商标法》第三十三条（2027-01-01起为修订后的《商标法》第三十六条）"
    assert book.render("{t.article}", "en", JANUARY) == "Art. 36 of the revised Trademark Law"


def test_a_figure_whose_revision_is_unconfirmed_keeps_the_2019_value_with_a_note(book: FactBook) -> None:
    after = book.render("赔偿最高{t.damages}。", "zh", JANUARY)
    assert after.startswith("赔偿最高500万元。\n注：") and "依2019年《商标法》（施行至2026-12-31）" in after
    assert "尚未确认" in after and "「转人工」" in after
    assert "Reply 转人工" in book.render("Up to {t.damages}.", "en", JANUARY)
    before = book.render("赔偿最高{t.damages}。", "zh", DECEMBER)
    assert "依2019年《商标法》（施行至2026-12-31）" in before  # warned before the switch too
    conduct_2026 = book.render("赔偿最高{t.damages}。", "zh", JANUARY, {"conduct": DateSpan.of(2026)})
    assert conduct_2026 == "赔偿最高500万元。"  # conduct under the 2019 law: nothing unconfirmed


def test_an_entry_citing_an_ended_law_gets_the_note_without_facts(book: FactBook) -> None:
    assert book.render("见《商标法》第39条。", "zh", DECEMBER, cites=("tm_2019",)) == "见《商标法》第39条。"
    assert "修订后的对应规定尚未确认" in book.render("见《商标法》第39条。", "zh", JANUARY, cites=("tm_2019",))


def test_a_later_law_version_is_not_quoted_before_it_starts(book: FactBook) -> None:
    fact, _ = parse_fact("t.fine", {"applies_by": "conduct", "value": 5, "unit": "倍", "unit_en": "times", "law": "tm_2027",
                                  "source": "s", "reviewed": date(2026, 12, 3)})
    assert FactBook({"t.fine": fact}, LAWS).render("{t.fine}", "zh", DECEMBER) == "5倍（行为发生日在2027-01-01及以后）"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"applies_by": "tomorrow", "value": 1, "source": "s", "reviewed": date(2026, 12, 3)}, "applies_by: one of"),
        ({"versions": [{"value": 1, "source": "s", "reviewed": date(2026, 12, 3), "valid_from": "soon"}]},
         "valid_from: not a date"),
        ({"versions": []}, "value: empty fact"),
    ],
)
def test_bad_fact_yaml_is_a_problem_not_a_crash(raw: dict, problem: str) -> None:
    _, problems = parse_fact("x", raw)
    assert any(p.startswith(problem) for p in problems), problems


def test_an_article_follows_the_date_of_the_figure_it_goes_with() -> None:
    raw = dict(FACTS["t.article"], applies_by="publication")
    book = FactBook({"t.opposition": parse_fact("t.opposition", FACTS["t.opposition"])[0],
                     "t.article": parse_fact("t.article", raw)[0]}, LAWS)
    published_2027 = {"publication": DateSpan.of(2027, 2)}
    text = book.render("{t.opposition}（{t.article}）", "zh", DECEMBER, published_2027)
    assert text.startswith("2个月（") and text.endswith("（修订后的《商标法》第三十六条）")
    assert "第三十三条" not in text
