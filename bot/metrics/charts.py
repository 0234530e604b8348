"""PNG charts (matplotlib, Agg canvas, no pyplot state) whose Chinese labels render in a CJK font.

The font is WenQuanYi Micro Hei from Debian's fonts-wqy-microhei (about 2 MB, installed by
scripts/install-font.sh, the first step of the test command and of .ci/run), or any font file named by
`metrics.chart_font` in config.yaml.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Sequence

from bot.i18n.texts import text

DEBIAN_WQY_MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
BAR_COLOR = "#2f6f9f"


class ChartFontError(RuntimeError):
    """No usable CJK font: the message says how to install one (one line)."""


def find_cjk_font(configured: Path | None = None) -> Path:
    """The configured font file, else Debian's WenQuanYi Micro Hei."""
    font = configured or DEBIAN_WQY_MICROHEI
    if not font.is_file():
        hint = "fix metrics.chart_font" if configured else "install it: apt-get install fonts-wqy-microhei"
        raise ChartFontError(f"charts need a CJK font, and {font} is missing ({hint})")
    return font


@cache
def _family(font: Path) -> str:
    """Register the font file with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font))
    return font_manager.FontProperties(fname=str(font)).get_name()


def _render(draw, font: Path, size: tuple[float, float]) -> bytes:
    """Draw on a fresh Agg figure with the CJK font as the only family; return the PNG bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with rc_context({"font.family": [_family(font)], "axes.unicode_minus": False}):
        figure = Figure(figsize=size, dpi=110, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure.subplots())
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _integer_locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def bar_chart_png(title: str, labels: Sequence[str], values: Sequence[int], font: Path) -> bytes:
    """Horizontal bars, largest on top, each with its value."""

    def draw(axes) -> None:
        positions = range(len(labels))
        bars = axes.barh(positions, values, color=BAR_COLOR)
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.bar_label(bars, padding=3)
        axes.xaxis.set_major_locator(_integer_locator())  # counts are whole numbers
        axes.set_title(title)
        axes.margins(x=0.15)
        axes.spines[["top", "right"]].set_visible(False)

    return _render(draw, font, (8, 1.2 + 0.42 * max(len(labels), 1)))


def trend_chart_png(weeks: Sequence[tuple[date, int]], font: Path | None = None,
                    first: date | None = None, last: date | None = None,
                    title: str | None = None, lang: str = "zh") -> bytes:
    """Questions per week (x: the week's Monday), as /stats sends it and the report embeds it.

    Weeks cut by the period's `first` or `last` day are drawn hollow, so a short last week is not
    mistaken for a drop. In Chinese (`lang` zh) the labels carry their English beside them.
    """
    font = find_cjk_font(font)
    cut = {m for m, _ in weeks if (first and m < first) or (last and m + timedelta(days=6) > last)}

    def draw(axes) -> None:
        days = [monday for monday, _ in weeks]
        counts = [count for _, count in weeks]
        axes.plot(days, counts, color=BAR_COLOR)
        axes.fill_between(days, counts, alpha=0.15, color=BAR_COLOR)
        for hollow, key in ((False, "rpt_whole_week"), (True, "rpt_partial_week")):
            shown = [(m, n) for m, n in weeks if (m in cut) == hollow]
            if shown:
                axes.plot([m for m, _ in shown], [n for _, n in shown], linestyle="none", marker="o",
                          color=BAR_COLOR, markerfacecolor="white" if hollow else BAR_COLOR, label=text(key, lang))
        if cut:
            axes.legend(loc="lower left")
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(_integer_locator())
        axes.set_xticks(days, [monday.strftime("%m-%d") for monday in days])
        axes.set_title(title or text("rpt_chart_weekly", lang))
        axes.set_ylabel(text("rpt_axis_questions", lang))
        axes.set_xlabel(text("rpt_axis_week", lang))
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelrotation=30)

    return _render(draw, font, (9, 4))
