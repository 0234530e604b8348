"""The architecture is checked, not only described (docs/architecture.md): import-linter's contracts in
pyproject.toml, ruff and mypy, each run as a developer runs it (docs/developers.md, "Checks"); a failure
shows the tool's own report."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))  # import-linter's entry point
LAYERS = "bot: a capability imports only the layers below it (docs/architecture.md)"
CHANNELS = "channel adapters never import each other"


def _run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def _report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_the_import_contracts_are_kept() -> None:
    result = _run([LINT_IMPORTS, "--no-logo"])
    assert result.returncode == 0, _report(result)
    assert "0 broken" in result.stdout, _report(result)


@pytest.mark.parametrize(
    ("module", "line", "contract", "named"),
    [
        ("bot/common/clock.py", "import bot.app", LAYERS, "bot.common.clock -> bot.app"),
        ("handlers/wecom/prompt.py", "import handlers.telegram", CHANNELS,
         "handlers.wecom.prompt -> handlers.telegram"),
    ],
    ids=["upward-import", "channel-imports-channel"],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str,
                                                named: str) -> None:
    """A copy of the tree with one forbidden import added: lint-imports fails and names it."""
    for package in ("bot", "handlers", "cli", "web"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # forbidden\n")
    result = _run([LINT_IMPORTS, "--no-logo", "--no-cache"], cwd=tmp_path)
    assert result.returncode != 0, _report(result)
    assert f"{contract} BROKEN" in result.stdout, _report(result)
    assert named in result.stdout, _report(result)


def test_ruff_is_clean() -> None:
    result = _run([sys.executable, "-m", "ruff", "check", "bot", "handlers", "cli", "web"])
    assert result.returncode == 0, _report(result)


@pytest.mark.slow
def test_mypy_is_clean_on_the_core() -> None:
    """mypy with the settings of pyproject.toml ([tool.mypy]: bot/, cache in .mypy_cache)."""
    result = _run([sys.executable, "-m", "mypy"])
    assert result.returncode == 0, _report(result)
