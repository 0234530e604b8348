"""What a one-question `run_bot.py ask` process does at start-up: it imports no channel, console or report
library, and it builds its Engine without the cycle collector, which runs again afterwards over what is
made later (cli/start_up.py)."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.common.config import Settings
from run_bot import main

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_ASK = ("asyncio", "telegram", "starlette", "uvicorn", "httpx", "openpyxl", "matplotlib", "cryptography",
               "apscheduler")
# run_bot.py as `python run_bot.py ask …` runs it, then what the process holds once the answer is out.
PROCESS = """
import gc, json, runpy, sys
sys.argv = ["run_bot.py", "--config", sys.argv[1], "ask", "商标注册要多久"]
try:
    runpy.run_path("run_bot.py", run_name="__main__")
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "collector_on": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "imported": sorted(name for name in sys.modules if "." not in name)}), file=sys.stderr)
"""


@pytest.mark.slow  # starts a process of its own
def test_ask_imports_no_channel_or_report_library_and_resumes_the_collector(settings: Settings, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROCESS, str(tmp_path / "config.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    state = json.loads(done.stderr.splitlines()[-1])
    assert state["code"] == 0 and "9个月" in done.stdout
    assert state["collector_on"] and state["frozen"] > 10_000  # the start-up's objects, never traced again
    assert not set(NOT_FOR_ASK) & set(state["imported"])


def test_main_inside_another_process_leaves_its_collector_alone(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    frozen = gc.get_freeze_count()
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "商标注册要多久"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert "9个月" in capsys.readouterr().out
