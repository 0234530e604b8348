"""The report's charts are drawn once per run for each distinct input.

Most report tests write the report of the same seeded database, and drawing its four charts (matplotlib)
was most of their time. A chart is a function of its arguments only, so a report test gets the PNG bytes
drawn for the same arguments earlier in the run. tests/metrics/test_metrics.py draws and checks charts
itself, through bot.metrics.charts, which is left as it is.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import pytest

from bot.metrics import charts, report

_drawn: dict[str, bytes] = {}


def _drawn_once(draw: Callable[..., bytes]) -> Callable[..., bytes]:
    """`draw`, answering from this run's earlier drawings with the same arguments."""

    @functools.wraps(draw)
    def drawn_once(*args: Any, **kwargs: Any) -> bytes:
        key = repr((draw.__name__, args, sorted(kwargs.items())))
        if key not in _drawn:
            _drawn[key] = draw(*args, **kwargs)
        return _drawn[key]

    return drawn_once


@pytest.fixture(autouse=True)
def report_charts_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("bar_chart_png", "trend_chart_png"):
        monkeypatch.setattr(report, name, _drawn_once(getattr(charts, name)))
