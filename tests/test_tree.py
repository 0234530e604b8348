"""The tests mirror the tree: each capability package of bot/ has its folder of tests, and only the
checks that span the whole tree sit at the top of tests/."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHOLE_TREE_CHECKS = {"test_docs.py", "test_architecture.py", "test_tree.py"}


def test_every_capability_package_has_its_folder_of_tests() -> None:
    packages = {p.parent.name for p in (ROOT / "bot").glob("*/__init__.py")}
    missing = {name for name in packages if not list((ROOT / "tests" / name).glob("test_*.py"))}
    assert packages and not missing, f"bot packages without tests/<package>/test_*.py: {sorted(missing)}"


def test_only_whole_tree_checks_sit_at_the_top_of_tests() -> None:
    loose = {p.name for p in (ROOT / "tests").glob("test_*.py")} - WHOLE_TREE_CHECKS
    assert not loose, f"move these into the folder of what they test: {sorted(loose)}"
