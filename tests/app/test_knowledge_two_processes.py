"""Two processes on one SQLite file: this one publishes knowledge versions with `kb import --publish`, a
channel process (tests/kb_channel_child.py) answers with the new text after one polling interval, and a
version that fails kb check is never served."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from kb_workbook_edits import edit_cell
from settings_helper import write_settings

from bot.app import open_db
from bot.common.clock import SystemClock
from bot.knowledge.versions import KnowledgeVersions
from bot.knowledge.workbook import export_workbook, tree_from_workbook
from run_bot import main

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 5.0
QUESTION = "注册商标多少钱"
SECOND = "第二版：官费{trademark.fee.online_per_class}/类，网上申请。"
THIRD = "第三版：官费{trademark.fee.online_per_class}/类，网上申请。"


class Channel:
    """The child channel process, spoken to line by line."""

    def __init__(self, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "kb_channel_child.py"), str(config)], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8")
        self.ready = self.read()

    def read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, "the channel process ended"
        return json.loads(line)

    def send(self, line: str) -> dict:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.read()

    def ask(self) -> dict:
        return self.send(f"ask {QUESTION}")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def publish_answer(config: Path, tmp_path: Path, answer: str) -> None:
    """Export what is served, edit the answer, and publish it from this process with the CLI."""
    workbook = tmp_path / "kb.xlsx"
    assert main(["--config", str(config), "kb", "export", str(workbook)]) == 0
    workbook.write_bytes(edit_cell(workbook.read_bytes(), "trademark", "tm_fee", "answer", answer))
    assert main(["--config", str(config), "kb", "import", str(workbook), "--publish", "--author", "wecom:staff_li"]) == 0


@pytest.mark.slow
def test_one_process_publishes_the_other_answers_with_the_new_text_and_never_a_failing_one(
        tmp_path: Path, kb_dir: Path) -> None:
    settings = write_settings(tmp_path, kb_dir, f"specialists:\n  wecom: [staff_li]\nknowledge:\n  poll_seconds: {POLL_SECONDS}\n")
    config = tmp_path / "config.yaml"
    channel = Channel(config)
    try:
        assert channel.ready == {"ready": True, "version": None}  # nothing published: knowledge/ on disk
        assert channel.ask()["answer"].startswith("网上申请每类270元")

        publish_answer(config, tmp_path, SECOND)
        before = channel.ask()  # published, but the channel has not looked yet
        assert before["version"] is None and before["answer"].startswith("网上申请每类270元")
        assert channel.send("tick") == {"slept": POLL_SECONDS, "version": 2}  # one interval later
        assert channel.ask()["answer"].startswith("第二版：官费270元/类")

        store = KnowledgeVersions(open_db(settings.db_path))  # a version that fails kb check, stored past it
        data = edit_cell(export_workbook(store.tree(2)), "trademark", "tm_fee", "answer", "坏的{no.such_fact}")
        store.publish(tree_from_workbook(data, store.tree(2))[0], "wecom:staff_li", SystemClock().now())
        assert channel.send("tick") == {"slept": POLL_SECONDS, "version": 2}
        assert channel.ask()["answer"].startswith("第二版：官费270元/类")

        publish_answer(config, tmp_path, THIRD)
        assert channel.send("tick") == {"slept": POLL_SECONDS, "version": 4}
        assert channel.ask()["answer"].startswith("第三版：官费270元/类")
    finally:
        channel.close()
