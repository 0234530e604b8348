"""bench/run_all.py rewrites only the sections it makes in docs/benchmarks.md."""
from __future__ import annotations

from bench.run_all import HEADER, merged


def test_sections_it_does_not_make_are_kept_in_place() -> None:
    old = (HEADER + "\n## Report over 1,000,000 events\n\nold figures\n\n## Concurrent writers\n\nby hand\n")
    made = {"Report over 1,000,000 events": "## Report over 1,000,000 events\n\nnew figures\n",
            "Telegram adapter throughput": "## Telegram adapter throughput\n\n30 msg/s\n"}
    text = merged(old, made)
    assert text.count("# Benchmarks") == 1
    assert "old figures" not in text and "new figures" in text
    assert text.index("new figures") < text.index("by hand") < text.index("30 msg/s")


def test_a_missing_document_is_created_with_its_header() -> None:
    text = merged("", {"Start-up": "## Start-up\n\n1.2 s\n"})
    assert text.startswith(HEADER) and text.endswith("1.2 s\n")
