"""bot/knowledge/workbook.py and tree.py: the knowledge base's Excel round trip loses nothing, and what an
edit changes is shown entry by entry and fact by fact."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import yaml
from kb_workbook_edits import append_row, cell, drop_sheet, edit_cell

from bot.knowledge.tree import (
    CHANGED,
    ENTRY,
    FACT,
    FACTS,
    LEXICON,
    SYNONYMS,
    Change,
    FieldChange,
    canonical_entries,
    canonical_facts,
    canonical_lexicon,
    changes_text,
    diff_trees,
    read_tree,
)
from bot.knowledge.workbook import export_workbook, tree_from_workbook

ROOT = Path(__file__).resolve().parents[2]
TRADEMARK = "faq/trademark.yaml"

MULTILINE_ANSWER = "官费{trademark.fee.online_per_class}/类（网上申请）。\n第二行：按{trademark.opposition.period}计。\n\n「转人工」可问专员。"
MULTILINE_EN = "Official fee {trademark.fee.online_per_class} per class.\nSecond line: {trademark.opposition.period}."
RICH_FACT = {
    "applies_by": "filing",
    "article": True,
    "versions": [
        {"value": "第三十三条", "value_en": "Art. 33", "law": "trademark_2019", "valid_until": date(2026, 12, 31),
         "source": "《商标法》（2019）第三十三条", "reviewed": date(2026, 12, 3)},
        {"value": 2.5, "unit": "个月", "unit_en": "months", "valid_from": date(2027, 1, 1), "safe": True,
         "source": "《商标法》（2026年修订）", "reviewed": date(2026, 12, 3)},
        {"value": 0, "source": "零也是数值", "reviewed": date(2026, 12, 3)},
    ],
}


def rich_tree(kb_dir: Path) -> dict[str, str]:
    """The fixture base with every kind of field: a multi-line answer with placeholders in both languages,
    negatives, cites, a group, a keyword written as a number, a fact with options and three versions."""
    tree = read_tree(kb_dir)
    entries = yaml.safe_load(tree[TRADEMARK])
    fee = next(e for e in entries if e["id"] == "tm_fee")
    fee.update(answer=MULTILINE_ANSWER, answer_en=MULTILINE_EN, negatives=["商标续展要多少钱"], cites=["trademark_2019"],
               group="tm_costs", keywords=["官费", 12315])
    tree[TRADEMARK] = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    facts = yaml.safe_load(tree[FACTS])
    facts["trademark.article.opposition"] = RICH_FACT
    tree[FACTS] = yaml.safe_dump(facts, allow_unicode=True, sort_keys=False)
    return tree


def test_export_then_import_without_edits_gives_the_same_files_back() -> None:
    tree = read_tree(ROOT / "knowledge")
    back, problems = tree_from_workbook(export_workbook(tree), tree)
    assert problems == [] and back == tree  # every file as it was, comments and all
    assert diff_trees(tree, back) == []


def test_every_field_survives_when_the_files_are_written_again(kb_dir: Path) -> None:
    tree = rich_tree(kb_dir)
    data = export_workbook(tree)
    assert cell(data, "trademark", "tm_fee", "answer") == MULTILINE_ANSWER
    # One edit in each sheet: the topic file, facts.yaml and synonyms.yaml are written again from the sheets.
    data = edit_cell(data, "trademark", "tm_duration", "title", "商标注册要多久（改）")
    data = edit_cell(data, "facts", "trademark.fee.online_per_class", "source", "CNIPA 缴费指南（改）")
    data = edit_cell(data, "synonyms", "fillers", "words", "请问一下\n请问\n我想问一下\n麻烦问下")
    back, problems = tree_from_workbook(data, tree)
    assert problems == []
    assert back[TRADEMARK] != tree[TRADEMARK] and back[FACTS] != tree[FACTS] and back[SYNONYMS] != tree[SYNONYMS]
    fee = next(e for e in yaml.safe_load(back[TRADEMARK]) if e["id"] == "tm_fee")
    assert (fee["answer"], fee["answer_en"]) == (MULTILINE_ANSWER, MULTILINE_EN)
    assert (fee["negatives"], fee["cites"], fee["group"], fee["keywords"]) == (
        ["商标续展要多少钱"], ["trademark_2019"], "tm_costs", ["官费", "12315"])
    assert yaml.safe_load(back[FACTS])["trademark.article.opposition"] == RICH_FACT
    before, after = canonical_entries(tree[TRADEMARK]), canonical_entries(back[TRADEMARK])
    assert [e for e in after if e["id"] != "tm_duration"] == [e for e in before if e["id"] != "tm_duration"]
    facts_before, facts_after = canonical_facts(tree[FACTS]), canonical_facts(back[FACTS])
    assert {k: v for k, v in facts_after.items() if k != "trademark.fee.online_per_class"} == {
        k: v for k, v in facts_before.items() if k != "trademark.fee.online_per_class"}
    lexicon_before, lexicon_after = canonical_lexicon(tree[SYNONYMS]), canonical_lexicon(back[SYNONYMS])
    assert lexicon_after["fillers"][-1] == "麻烦问下" and lexicon_after["anchors"] == lexicon_before["anchors"]
    assert {k: v for k, v in lexicon_after.items() if k != "fillers"} == {
        k: v for k, v in lexicon_before.items() if k != "fillers"}
    for name in set(tree) - {TRADEMARK, FACTS, SYNONYMS}:
        assert back[name] == tree[name]


def test_an_edited_answer_and_an_edited_fact_show_in_the_changes(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    data = export_workbook(tree)
    data = edit_cell(data, "trademark", "tm_fee", "answer", "官费{trademark.fee.online_per_class}/类。\n新增第二行。")
    data = edit_cell(data, "facts", "trademark.opposition.period", "value", 4, version=2)
    back, _ = tree_from_workbook(data, tree)
    old_answer = yaml.safe_load(tree[TRADEMARK])[1]["answer"]
    assert diff_trees(tree, back) == [
        Change(ENTRY, "tm_fee", CHANGED, (FieldChange("answer", old_answer, "官费{trademark.fee.online_per_class}/类。\n新增第二行。"),)),
        Change(FACT, "trademark.opposition.period", CHANGED, (FieldChange("v2.value", "2", "4"),)),
    ]
    lines = changes_text(diff_trees(tree, back))
    assert lines[:2] == ["~ entry tm_fee: answer", f"    - {old_answer}"]
    assert lines[2:4] == ["    + 官费{trademark.fee.online_per_class}/类。", "    + 新增第二行。"]
    assert lines[4:] == ["~ fact trademark.opposition.period: v2.value", "    - 2", "    + 4"]


def test_words_added_and_removed_show_as_such(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    data = export_workbook(tree)
    first, *rest = cell(data, "synonyms", "fillers", "words").splitlines()
    back, _ = tree_from_workbook(edit_cell(data, "synonyms", "fillers", "words", "\n".join([*rest, "麻烦问下"])), tree)
    assert diff_trees(tree, back) == [Change(LEXICON, "fillers", CHANGED, (FieldChange("words", first, "麻烦问下"),))]


def test_what_a_reviewer_types_is_read_as_the_yaml_would_say_it(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    data = export_workbook(tree)
    data = edit_cell(data, "trademark", "tm_fee", "reviewed", "2026-12-01")  # typed as text
    data = edit_cell(data, "trademark", "tm_duration", "reviewed", datetime(2026, 12, 2))  # an Excel date
    data = edit_cell(data, "trademark", "tm_duration", "title", 12315)  # a number where a text goes
    data = edit_cell(data, "facts", "trademark.opposition.period", "safe", "TRUE", version=2)
    back, _ = tree_from_workbook(data, tree)
    entries = {e["id"]: e for e in yaml.safe_load(back[TRADEMARK])}
    assert (entries["tm_fee"]["reviewed"], entries["tm_duration"]["reviewed"]) == (date(2026, 12, 1), date(2026, 12, 2))
    assert entries["tm_duration"]["title"] == "12315"
    assert yaml.safe_load(back[FACTS])["trademark.opposition.period"]["versions"][1]["safe"] is True


def test_a_new_row_and_a_new_sheet_add_entries(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    data = append_row(export_workbook(tree), "trademark", {"id": "tm_new", "topic": "trademark", "title": "新问题"})
    back, _ = tree_from_workbook(data, tree)
    assert [c.key for c in diff_trees(tree, back)] == ["tm_new"]
    assert canonical_entries(back[TRADEMARK])[-1] == {"id": "tm_new", "topic": "trademark", "title": "新问题"}


def test_a_workbook_without_its_facts_sheet_or_with_a_bad_sheet_is_refused_whole(kb_dir: Path) -> None:
    tree = read_tree(kb_dir)
    back, problems = tree_from_workbook(drop_sheet(export_workbook(tree), "facts"), tree)
    assert back == tree and [str(p) for p in problems] == ["workbook: -: facts: sheet missing"]
    back, problems = tree_from_workbook(b"not a workbook", tree)
    assert back == tree and "not an Excel workbook" in str(problems[0])
