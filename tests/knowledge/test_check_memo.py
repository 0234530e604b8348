"""kb check (and every start-up) reads the rules' problems from disk for files checked today with the same
code, and only then: any edit, or a damaged note, means a full check again."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import check_knowledge, load_knowledge
from bot.knowledge import check
from bot.knowledge.check import KnowledgeError
from bot.language import memo


@pytest.fixture
def rule_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """How many entries each application of the rules went over (in a memo directory of this test)."""
    monkeypatch.setenv(memo.CACHE_ENV, str(tmp_path / "memo"))
    runs: list[int] = []
    rules = check.rule_problems

    def counted(kb, entries, today):
        runs.append(len(entries))
        return rules(kb, entries, today)

    monkeypatch.setattr(check, "rule_problems", counted)
    return runs


def test_a_base_that_passed_today_is_not_checked_again(kb_dir: Path, rule_runs: list[int]) -> None:
    first = load_knowledge(kb_dir)
    again = load_knowledge(kb_dir)
    assert len(rule_runs) == 1
    assert again.entries.keys() == first.entries.keys()
    assert again.extras.keys() == first.extras.keys()  # the other files' checks still run: they attach them


def test_kb_check_reads_back_the_same_problems(kb_dir: Path, rule_runs: list[int]) -> None:
    path = kb_dir / "faq" / "trademark.yaml"
    path.write_text(path.read_text("utf-8").replace("topic: trademark", "topic: weather", 1), "utf-8")
    first, again = check_knowledge(kb_dir), check_knowledge(kb_dir)
    assert first[0] is None and again[0] is None and len(rule_runs) == 1
    assert [str(p) for p in again[1]] == [str(p) for p in first[1]]
    assert any("unknown topic 'weather'" in str(p) for p in again[1])


def test_an_edited_base_is_checked_again_and_refused(kb_dir: Path, rule_runs: list[int]) -> None:
    load_knowledge(kb_dir)
    path = kb_dir / "faq" / "trademark.yaml"
    path.write_text(path.read_text("utf-8").replace("topic: trademark", "topic: weather", 1), "utf-8")
    with pytest.raises(KnowledgeError, match="unknown topic 'weather'"):
        load_knowledge(kb_dir)
    assert len(rule_runs) == 2


def test_a_damaged_note_only_means_a_full_check(kb_dir: Path, rule_runs: list[int], tmp_path: Path) -> None:
    load_knowledge(kb_dir)
    for note in (tmp_path / "memo").glob("checked-*.json"):
        note.write_text("{not json", "utf-8")
    load_knowledge(kb_dir)
    assert len(rule_runs) == 2


def test_without_a_memo_directory_every_start_checks(
    kb_dir: Path, rule_runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(memo.CACHE_ENV, memo.OFF)
    load_knowledge(kb_dir)
    load_knowledge(kb_dir)
    assert len(rule_runs) == 2
