#!/usr/bin/env python3
"""The sample report of docs/bureau.md: synthetic events (bench/seed_events.py), never real firms.

    python scripts/sample_report.py OUT_DIR

writes the full report of 2026-10-05 to 2026-11-29 into OUT_DIR and redraws the two charts that
docs/bureau.md shows (docs/img/sample_*.png), their titles marked 示例数据 SAMPLE.
"""
from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed_events import seed  # noqa: E402
from bot.app import open_db  # noqa: E402
from bot.common.clock import SHANGHAI  # noqa: E402
from bot.common.config import MetricsSettings  # noqa: E402
from bot.metrics.charts import bar_chart_png, find_cjk_font, trend_chart_png  # noqa: E402
from bot.metrics.queries import Period, weekly  # noqa: E402
from bot.metrics.report import collect, said, topic_label, write_report  # noqa: E402

PERIOD = Period(date(2026, 10, 5), date(2026, 11, 29))
MADE = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
SAMPLE = "示例数据 SAMPLE · "


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "sample.db")
        seed(db, 3000, datetime(2026, 11, 29, 23, 0, tzinfo=SHANGHAI), days=56)
        data = collect(db, PERIOD, MetricsSettings(), False, MADE)
    write_report(data, out)
    font = find_cjk_font()
    images = ROOT / "docs" / "img"
    (images / "sample_weekly_trend.png").write_bytes(trend_chart_png(
        weekly(data.per_day), font, PERIOD.start, PERIOD.end, title=SAMPLE + said("rpt_chart_weekly")))
    topics = data.questions_by_topic()
    (images / "sample_questions_per_topic.png").write_bytes(bar_chart_png(
        SAMPLE + said("rpt_chart_topics"), [topic_label(k) for k, _ in topics], [n for _, n in topics],
        font))
    print(f"sample report in {out}; charts in {images}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("reports/sample"))
