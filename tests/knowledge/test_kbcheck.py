"""kb check: every rule reports file, entry id and field; the bot refuses a broken base."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.app import check_knowledge, load_knowledge
from bot.knowledge.check import KnowledgeError
from bot.knowledge.over_time import review_by
from bot.knowledge.rules import bare_amounts
from run_bot import main


def edit_entry(kb_dir: Path, file: str, index: int, **changes) -> None:
    path = kb_dir / "faq" / file
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[index].update(changes)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def messages(kb_dir: Path) -> list[str]:
    kb, problems = check_knowledge(kb_dir)
    assert kb is None
    return [str(p) for p in problems]


def test_fixture_base_is_clean(kb_dir: Path) -> None:
    kb, problems = check_knowledge(kb_dir, date(2026, 11, 25))
    assert kb is not None and problems == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"topic": "weather"}, "tm_duration: topic: unknown topic 'weather'"),
        ({"station_types": ["bank"]}, "tm_duration: station_types: unknown station type 'bank'"),
        ({"follow_ups": ["tm_nowhere"]}, "tm_duration: follow_ups: unknown entry 'tm_nowhere'"),
        ({"source": ""}, "tm_duration: source: missing"),
        ({"reviewed": "soon"}, "tm_duration: reviewed: missing or not a date"),
        ({"questions": ["商标注册要多久", "商标注册要多久吗？", "a", "b", "c", "d"]}, "tm_duration: questions: same after normalisation"),
        ({"questions": ["商标注册要多久", "x1", "x2"]}, "tm_duration: questions: 3 distinct phrasings, at least 6 needed"),
        ({"answer": "要{trademark.no_such_fact}"}, "tm_duration: answer: unknown fact {trademark.no_such_fact}"),
        ({"answer": "网上申请每类270元"}, "tm_duration: answer: bare amount '270元'"),
        ({"answer_en": "within three months"}, "tm_duration: answer_en: bare amount 'three months'"),
    ],
)
def test_each_rule_names_file_entry_and_field(kb_dir: Path, changes: dict, expected: str) -> None:
    edit_entry(kb_dir, "trademark.yaml", 0, **changes)
    found = messages(kb_dir)
    assert any(m.startswith("knowledge/faq/trademark.yaml: ") and expected in m for m in found), found


def test_duplicate_id_across_files(kb_dir: Path) -> None:
    edit_entry(kb_dir, "open_license.yaml", 0, id="tm_fee")
    assert any("tm_fee: id: duplicate id" in m for m in messages(kb_dir))


def test_one_phrasing_under_two_entries(kb_dir: Path) -> None:
    path = kb_dir / "faq" / "trademark.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries[1]["questions"].append("商标注册要多久？")
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    assert any("tm_fee: questions: '商标注册要多久？' is also a phrasing of tm_duration" in m for m in messages(kb_dir))


def test_yaml_syntax_error_is_reported_with_file(kb_dir: Path) -> None:
    (kb_dir / "faq" / "trademark.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    assert any(m.startswith("knowledge/faq/trademark.yaml: -: file: cannot read") for m in messages(kb_dir))


def test_fact_without_source(kb_dir: Path) -> None:
    facts = yaml.safe_load((kb_dir / "facts.yaml").read_text(encoding="utf-8"))
    del facts["trademark.fee.online_per_class"]["source"]
    (kb_dir / "facts.yaml").write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    assert "knowledge/facts.yaml: trademark.fee.online_per_class: source: missing" in messages(kb_dir)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("网上每类270元", ["270元"]),
        ("收到通知之日起十五日内", ["十五日"]),
        ("异议期三个月", ["三个月"]),
        ("减缴15%", ["15%"]),
        ("减缴１５％", ["１５％"]),
        ("依据《商标法》第三十九条，第30类茶叶，拨打12315", []),
        ("2027年1月1日起施行，每年4月26日", []),
        ("Art. 39 and class 30 apply from 2027-01-01", []),
        ("pay 270 yuan within 15 days", ["270 yuan", "15 days"]),
        ("有效期{trademark.validity}", []),
    ],
)
def test_bare_amounts(text: str, found: list[str]) -> None:
    assert bare_amounts(text) == found


def test_load_raises_with_every_problem(kb_dir: Path) -> None:
    edit_entry(kb_dir, "trademark.yaml", 0, topic="weather", source="")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(kb_dir)
    assert len(error.value.problems) == 2


def test_cli_kb_check_exit_codes(kb_dir: Path, settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = str(tmp_path / "config.yaml")
    assert main(["--config", config, "kb", "check"]) == 0
    assert "kb check: ok · 6 entries · 6 facts" in capsys.readouterr().out
    edit_entry(kb_dir, "trademark.yaml", 0, follow_ups=["gone"])
    assert main(["--config", config, "kb", "check"]) == 1
    assert "knowledge/faq/trademark.yaml: tm_duration: follow_ups: unknown entry 'gone'" in capsys.readouterr().out


def test_bot_refuses_to_start_on_broken_base(kb_dir: Path, settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    edit_entry(kb_dir, "trademark.yaml", 0, follow_ups=["gone"])
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "商标注册要多久"]) == 1
    err = capsys.readouterr().err
    assert "knowledge base has errors" in err and "follow_ups: unknown entry 'gone'" in err


# ---- answers over time: both sides of every switch date, zh and en -------------------------------

BEFORE_SWITCH = date(2026, 11, 25)
OPPOSITION_ARTICLE = {
    "article": True,
    "versions": [
        {"value": "第三十三条", "value_en": "Art. 33", "law": "trademark_2019", "source": "《商标法》（2019）第三十三条",
         "reviewed": date(2026, 12, 3)},
        {"value": "第三十六条", "value_en": "Art. 36", "law": "trademark_2027", "source": "《商标法》（2026年修订）第三十六条",
         "reviewed": date(2026, 12, 3)},
    ],
}


def add_facts(kb_dir: Path, **facts: dict) -> None:
    path = kb_dir / "facts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update({name.replace("__", "."): value for name, value in facts.items()})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def errors_on(kb_dir: Path, today: date = BEFORE_SWITCH) -> list[str]:
    return [str(p) for p in check_knowledge(kb_dir, today)[1] if p.severity == "error"]


def test_a_2027_figure_beside_the_2019_article_fails(kb_dir: Path) -> None:
    add_facts(kb_dir, trademark__article__opposition=OPPOSITION_ARTICLE)
    edit_entry(kb_dir, "trademark.yaml", 0, answer="公告后{trademark.opposition.period}内可以异议（《商标法》第33条）。",
               answer_en="Oppose within {trademark.opposition.period} (Trademark Law Art. 33).")
    assert any("tm_duration: answer: article 33 of 2019年《商标法》 used outside its validity on 2027-01-01: "
               "quote {trademark.article.opposition}" in m for m in errors_on(kb_dir))
    edit_entry(kb_dir, "trademark.yaml", 0, answer="公告后{trademark.opposition.period}内可以异议（{trademark.article.opposition}）。",
               answer_en="Oppose within {trademark.opposition.period} ({trademark.article.opposition}).")
    assert errors_on(kb_dir) == []


def test_a_duplicated_noun_around_a_unit_fails(kb_dir: Path) -> None:
    add_facts(kb_dir, trademark__nice__class_count={"value": 45, "unit": "个", "unit_en": "classes",
                                                    "source": "尼斯分类", "reviewed": date(2026, 11, 20)})
    edit_entry(kb_dir, "trademark.yaml", 1, answer_en="There are {trademark.nice.class_count} Nice classes.",
               answer="尼斯分类共{trademark.nice.class_count}类别。")
    found = errors_on(kb_dir)
    assert any("tm_fee: answer_en: duplicated noun around the unit of {trademark.nice.class_count}" in m for m in found)
    edit_entry(kb_dir, "trademark.yaml", 1, answer_en="The Nice Classification has {trademark.nice.class_count}.",
               answer="尼斯分类共{trademark.nice.class_count}个个类别。")
    assert ["tm_fee: answer: duplicated noun" in m for m in errors_on(kb_dir)].count(True) == 1


def test_calling_the_2019_law_current_after_it_ended_fails(kb_dir: Path) -> None:
    edit_entry(kb_dir, "trademark.yaml", 2, answer="现行2019年《商标法》规定：期满前{trademark.renewal.window}内续展。",
               answer_en="The current Trademark Law (2019): renew within {trademark.renewal.window} before expiry.")
    found = errors_on(kb_dir)
    assert any("tm_renewal: answer: calls 2019年《商标法》 current on 2027-01-01" in m for m in found)
    assert any("tm_renewal: answer_en: calls 2019年《商标法》 current on 2027-01-01" in m for m in found)
    edit_entry(kb_dir, "trademark.yaml", 2, answer="2019年《商标法》规定：期满前{trademark.renewal.window}内续展。",
               answer_en="The Trademark Law (2019): renew within {trademark.renewal.window} before expiry.")
    assert errors_on(kb_dir) == []


def test_a_figure_that_differs_between_zh_and_en_fails(kb_dir: Path) -> None:
    edit_entry(kb_dir, "trademark.yaml", 1, answer_en="Online filing costs {trademark.fee.online_per_class} per class (up to 20 items).")
    assert any("tm_fee: answer_en: figures differ between zh and en" in m and "en only [20.0]" in m
               for m in errors_on(kb_dir))


def test_a_fact_citing_an_ended_law_without_valid_until_fails(kb_dir: Path) -> None:
    fine = {"value": 5, "unit": "倍", "unit_en": "times", "source": "《商标法》（2019）第六十条", "reviewed": date(2026, 11, 20)}
    add_facts(kb_dir, enforcement__trademark__fine_multiple=fine)
    assert "knowledge/facts.yaml: enforcement.trademark.fine_multiple: valid_until: its source cites 2019年《商标法》 " \
           "(valid until 2026-12-31): add `law: trademark_2019` or a valid_until" in errors_on(kb_dir)
    add_facts(kb_dir, enforcement__trademark__fine_multiple=fine | {"law": "trademark_2019"})
    assert errors_on(kb_dir) == []


def test_review_by_is_the_next_switch_and_warns_once_passed(kb_dir: Path) -> None:
    kb, problems = check_knowledge(kb_dir, date(2027, 1, 2))
    assert kb is not None
    assert review_by(kb.entries["tm_duration"], kb.facts) == date(2027, 1, 1)  # quotes the opposition period
    assert review_by(kb.entries["tm_fee"], kb.facts) == date(2027, 11, 20)  # reviewed + 12 months
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert any("tm_duration: review_by: review was due 2027-01-01" in w for w in warnings)
    assert not any("tm_fee: review_by" in w for w in warnings)


def test_kb_diff_lists_the_answers_that_change_on_a_day(kb_dir: Path, settings, capsys, tmp_path: Path) -> None:
    config = str(tmp_path / "config.yaml")
    assert main(["--config", config, "kb", "diff", "--on", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    assert "## tm_duration (zh)" in out and "## tm_duration (en)" in out and "## tm_fee" not in out
    assert "> 实质审查在9个月内完成；初审公告后有3个月（2027-01-01起为2个月）异议期" in out
    assert "> 实质审查在9个月内完成；初审公告后有2个月异议期" in out
    assert main(["--config", config, "kb", "diff", "--on", "2027-13-01"]) == 2
    assert "kb diff: --on '2027-13-01' is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_an_unknown_law_is_reported_where_it_is_cited(kb_dir: Path) -> None:
    add_facts(kb_dir, trademark__renewal__window={"value": 12, "unit": "个月", "unit_en": "months", "law": "trademark_1982",
                                                  "source": "《商标法》第四十条", "reviewed": date(2026, 11, 20)})
    edit_entry(kb_dir, "trademark.yaml", 1, cites=["trademark_1993"])
    found = errors_on(kb_dir)
    assert "knowledge/facts.yaml: trademark.renewal.window: law: unknown law 'trademark_1982' (knowledge/laws.yaml)" in found
    assert any("tm_fee: cites: unknown law 'trademark_1993'" in m for m in found)
