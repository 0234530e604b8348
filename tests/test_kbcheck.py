"""kb check: every rule reports file, entry id and field; the bot refuses a broken base."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.kbcheck import KnowledgeError, bare_amounts, check_knowledge, load_knowledge
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
    kb, problems = check_knowledge(kb_dir)
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
