"""`run_bot.py kb export | import | versions | restore` (cli/knowledge.py): the reviewer's round trip from the
command line, published only by a specialist and only when kb check passes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from kb_workbook_edits import edit_cell
from settings_helper import write_settings

from bot.knowledge.tree import read_tree
from run_bot import main

NEW_ANSWER = "新版：官费{trademark.fee.online_per_class}/类，网上申请。"


@pytest.fixture
def config(tmp_path: Path, kb_dir: Path) -> str:
    write_settings(tmp_path, kb_dir, "specialists:\n  telegram: [9001]\n")
    return str(tmp_path / "config.yaml")


def kb(config: str, *args: str) -> int:
    return main(["--config", config, "kb", *args])


def fee_answer(config: str, capsys) -> str:
    capsys.readouterr()
    main(["--config", config, "ask", "注册商标多少钱", "--json"])
    return json.loads(capsys.readouterr().out)["answer"]


def test_export_edit_import_publish_and_restore(config: str, tmp_path: Path, capsys) -> None:
    workbook = tmp_path / "kb.xlsx"
    assert kb(config, "export", str(workbook)) == 0
    assert kb(config, "import", str(workbook)) == 0
    assert "kb import: no changes; nothing to publish" in capsys.readouterr().out

    workbook.write_bytes(edit_cell(workbook.read_bytes(), "trademark", "tm_fee", "answer", NEW_ANSWER))
    assert kb(config, "import", str(workbook)) == 0
    out = capsys.readouterr().out
    assert "~ entry tm_fee: answer\n    - 网上申请每类" in out and f"    + {NEW_ANSWER}" in out
    assert "not published (add --publish --author" in out
    assert kb(config, "versions") == 0 and "none published" in capsys.readouterr().out

    assert kb(config, "import", str(workbook), "--publish", "--author", "telegram:9001", "--note", "新官费说明") == 0
    assert "kb import: published version 2 by telegram:9001" in capsys.readouterr().out
    assert fee_answer(config, capsys).startswith("新版：官费270元/类")
    assert kb(config, "versions") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("| 2 | ") and lines[2].endswith(" | telegram:9001 | 1 | 新官费说明 |")
    assert lines[3].startswith("| 1 | ") and lines[3].endswith(" | knowledge/ | 0 | seed |")
    assert "differs from version 2, which is served" in lines[-1]

    assert kb(config, "restore", "1", "--author", "telegram:9001") == 0
    assert "kb restore: published version 3" in capsys.readouterr().out
    assert fee_answer(config, capsys).startswith("网上申请每类270元")


def test_publishing_needs_a_specialist(config: str, tmp_path: Path, capsys) -> None:
    workbook = tmp_path / "kb.xlsx"
    kb(config, "export", str(workbook))
    workbook.write_bytes(edit_cell(workbook.read_bytes(), "trademark", "tm_fee", "answer", NEW_ANSWER))
    capsys.readouterr()
    for author in ("telegram:42", "alice", ""):
        assert kb(config, "import", str(workbook), "--publish", "--author", author) == 2
        assert "--author must name a specialist as <channel>:<id>" in capsys.readouterr().err
    assert kb(config, "restore", "1", "--author", "telegram:42") == 2


def test_a_broken_workbook_is_refused_with_kb_checks_messages(config: str, tmp_path: Path, capsys) -> None:
    workbook = tmp_path / "kb.xlsx"
    kb(config, "export", str(workbook))
    data = edit_cell(workbook.read_bytes(), "trademark", "tm_fee", "answer", "官费{trademark.fee.nothing}")
    workbook.write_bytes(edit_cell(data, "trademark", "tm_duration", "source", None))
    capsys.readouterr()
    assert kb(config, "import", str(workbook), "--publish", "--author", "telegram:9001") == 1
    captured = capsys.readouterr()
    assert "knowledge/faq/trademark.yaml: tm_fee: answer: unknown fact {trademark.fee.nothing}" in captured.out
    assert "knowledge/faq/trademark.yaml: tm_duration: source: missing" in captured.out
    assert "nothing published" in captured.err
    assert kb(config, "versions") == 0 and "none published" in capsys.readouterr().out


def test_export_yaml_writes_a_version_back_and_a_folder_imports(config: str, tmp_path: Path, kb_dir: Path, capsys) -> None:
    workbook = tmp_path / "kb.xlsx"
    kb(config, "export", str(workbook))
    workbook.write_bytes(edit_cell(workbook.read_bytes(), "trademark", "tm_fee", "answer", NEW_ANSWER))
    kb(config, "import", str(workbook), "--publish", "--author", "telegram:9001")
    assert kb(config, "export", "--yaml", str(tmp_path / "v1"), "--version", "1") == 0
    assert kb(config, "export", "--yaml", str(tmp_path / "v2")) == 0
    assert read_tree(tmp_path / "v1") == read_tree(kb_dir)
    assert NEW_ANSWER in (tmp_path / "v2" / "faq" / "trademark.yaml").read_text(encoding="utf-8")
    capsys.readouterr()
    assert kb(config, "import", str(tmp_path / "v1"), "--publish", "--author", "telegram:9001") == 0
    assert "published version 3" in capsys.readouterr().out
    assert kb(config, "export", "--yaml", str(tmp_path / "v2")) == 2
    assert "is not empty" in capsys.readouterr().err
    assert kb(config, "export", str(tmp_path / "kb.xlsx"), "--version", "7") == 2
    assert "there is no version 7" in capsys.readouterr().err
    assert kb(config, "export") == 2
