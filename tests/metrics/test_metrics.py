"""The counting API for /stats and /gaps, periods, settings, charts with Chinese labels, query plans."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import matplotlib
import pytest
import yaml
from fontTools.ttLib import TTCollection, TTFont
from metrics_seed import PERIOD, seed_events, seed_other_tables
from PIL import Image

from bot.app import forget_firm, open_db
from bot.common.config import ConfigError, MetricsSettings, load_settings
from bot.common.vocab import CITY, COUNTIES, IP_TOPICS
from bot.metrics.charts import bar_chart_png, find_cjk_font, trend_chart_png
from bot.metrics.queries import (
    Period,
    Satisfaction,
    knowledge_gaps,
    last_weeks,
    summary,
)
from bot.metrics.report import (
    CHANNEL_LABELS,
    DECISION_LABELS,
    OTHER_TOPIC_LABELS,
    channel_label,
    collect,
    county_label,
    gaps_text,
    said,
    summary_text,
    topic_label,
)
from bot.storage.events import EventLog

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def db():
    database = open_db(":memory:")
    seed_events(database)
    seed_other_tables(database)
    return database


def test_summary_gives_the_headline_figures(db) -> None:
    result = summary(db, *PERIOD)
    assert result.questions == 10
    assert result.decisions == {"answer": 5, "clarify": 2, "fallback": 3}
    assert result.clarifications_resolved == 1
    assert result.satisfaction == Satisfaction(answers=5, up=2, down=2)
    assert (result.satisfaction.response_rate, result.satisfaction.approval) == (0.8, 0.5)
    assert (result.referrals, result.active_firms, result.new_subscribers) == (3, 4, 2)
    assert result.weekly_questions == [(date(2026, 11, 9), 6), (date(2026, 11, 16), 4)]
    assert summary(db, *PERIOD, include_internal=True).questions == 12


def test_summary_text_in_both_languages(db) -> None:
    result = summary(db, *PERIOD)
    assert summary_text(result, "zh") == (
        "📊 2026-11-09 至 2026-11-22\n"
        "提问 10：已回答 5，需澄清 2（其中 1 个经选择解决），未能回答 3\n"
        "满意度：👍 2 · 👎 2，满意 50.0%（评价率 80.0%：5 个回答中 4 个有评价）\n"
        "转介 3 · 活跃企业 4 · 新订阅 2"
    )
    assert summary_text(result, "en") == (
        "📊 2026-11-09 to 2026-11-22\n"
        "Questions 10: answered 5, clarified 2 (1 resolved by a choice), fallback 3\n"
        "Satisfaction: 👍 2 · 👎 2, 50.0% approval (80.0% response rate: 4 of 5 answers rated)\n"
        "Referrals 3 · active firms 4 · new subscribers 2"
    )


def test_summary_of_an_empty_database() -> None:
    result = summary(open_db(":memory:"), *PERIOD)
    assert result.empty and result.active_firms == 0 and result.new_subscribers == 0
    assert summary_text(result, "zh") == "📊 2026-11-09 至 2026-11-22：本期间没有提问或转介记录。"
    assert result.weekly_questions == [(date(2026, 11, 9), 0), (date(2026, 11, 16), 0)]


def test_knowledge_gaps_and_their_text(db) -> None:
    gaps = knowledge_gaps(db, *PERIOD, limit=3)
    assert [(g.example, g.count, g.fallback, g.thumbs_down, g.variants) for g in gaps] == [
        ("明天天气怎么样", 2, 2, 0, ["明天天气怎么样", "明天天气怎么样啊"]),
        ("商标注册要多长时间", 1, 0, 1, ["商标注册要多长时间"]),
        ("天气预报", 1, 1, 0, ["天气预报"]),
    ]
    assert gaps_text(gaps, *PERIOD, lang="zh").splitlines() == [
        "知识缺口（2026-11-09 至 2026-11-22，未能回答和被👎最多的问题）：",
        "1. 明天天气怎么样 — 2 次（未能回答 2，👎 0），另有 1 种相近问法",
        "2. 商标注册要多长时间 — 1 次（未能回答 0，👎 1）",
        "3. 天气预报 — 1 次（未能回答 1，👎 0）",
    ]
    assert gaps_text([], *PERIOD, lang="en") == "No unanswered or 👎 questions from 2026-11-09 to 2026-11-22."


def test_gap_grouping_follows_the_similarity_threshold(db) -> None:
    strict = knowledge_gaps(db, *PERIOD, similarity=100)
    assert [g.example for g in strict] == ["商标注册要多长时间", "天气预报", "开放许可", "明天天气怎么样",
                                      "明天天气怎么样啊"]
    assert knowledge_gaps(db, *PERIOD, include_internal=True)[-1].example == "测试问题"


def test_periods_weeks_from_monday_and_months() -> None:
    period = Period(date(2026, 11, 25), date(2027, 1, 6))
    assert [(p.start, p.end) for p in period.parts("week")][:2] == [
        (date(2026, 11, 25), date(2026, 11, 29)), (date(2026, 11, 30), date(2026, 12, 6))]
    assert [(p.start, p.end) for p in period.parts("month")] == [
        (date(2026, 11, 25), date(2026, 11, 30)), (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 6))]
    assert Period(date(2026, 12, 1), date(2026, 12, 31)).is_whole("month")
    assert not Period(date(2026, 11, 25), date(2026, 11, 29)).is_whole("week")
    assert period.utc_bounds == ("2026-11-24T16:00:00+00:00", "2027-01-06T16:00:00+00:00")
    assert last_weeks(date(2026, 11, 25), 8) == Period(date(2026, 10, 5), date(2026, 11, 25))
    with pytest.raises(ValueError):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def metrics_with(tmp_path: Path, metrics: dict) -> MetricsSettings:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"metrics": metrics}), encoding="utf-8")
    return load_settings(config, environ={}).metrics


def test_metrics_settings_defaults_and_errors(tmp_path: Path) -> None:
    assert metrics_with(tmp_path, {}) == MetricsSettings(365, None, 85.0, 20)
    assert metrics_with(tmp_path, {"chart_font": "/f.ttc", "gap_limit": "5"}).gap_limit == 5
    for bad, message in [
        ({"retention": 30}, "config: unknown metrics settings ['retention']"),
        ({"retention_days": 34}, "config: metrics.retention_days must be at least 35"),
        ({"retention_days": "a year"}, "config: metrics.retention_days must be a whole number, not 'a year'"),
        ({"gap_similarity": 0},
         "config: metrics.gap_similarity must be in (0, 100] and gap_limit at least 1"),
    ]:
        with pytest.raises(ConfigError) as error:
            metrics_with(tmp_path, bad)
        assert str(error.value) == message


def every_label() -> list[str]:
    """Every label a chart can show: topics, counties, decisions, channels, titles."""
    titles = ("rpt_chart_topics", "rpt_chart_decisions", "rpt_chart_counties", "rpt_chart_weekly",
              "rpt_axis_questions", "rpt_axis_week", "rpt_whole_week", "rpt_partial_week")
    topics = [topic_label(t) for t in (*IP_TOPICS, *OTHER_TOPIC_LABELS, "")]
    counties = [county_label(c) for c in (*COUNTIES, CITY, "")]
    channels = [channel_label(c) for c in CHANNEL_LABELS]
    return [*topics, *counties, *(said(d) for d in DECISION_LABELS.values()), *channels, *(said(t) for t in titles)]


def cmap_of(font: Path) -> set[int]:
    fonts = TTCollection(str(font)).fonts if font.suffix == ".ttc" else [TTFont(str(font))]
    return set(fonts[0].getBestCmap())


def test_the_cjk_font_covers_every_label_character() -> None:
    covered = cmap_of(find_cjk_font())
    missing = {ch for label in every_label() for ch in label if not ch.isspace() and ord(ch) not in covered}
    assert missing == set()


def test_charts_render_chinese_labels_with_no_missing_glyph() -> None:
    # warnings are errors (pyproject.toml): matplotlib's "Glyph ... missing from font(s)" would fail here
    labels = every_label()
    png = bar_chart_png("各主题提问数 Questions per topic", labels, list(range(len(labels))), find_cjk_font())
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    assert image.width == 880 and image.height > 1000
    assert len(image.convert("L").getcolors(maxcolors=100_000)) > 20  # drawn, not blank
    weeks = [(date(2026, 11, 2), 3), (date(2026, 11, 9), 5), (date(2026, 11, 16), 1)]
    trend = trend_chart_png(weeks, None, date(2026, 11, 2), date(2026, 11, 18))
    assert Image.open(io.BytesIO(trend)).size == (990, 440)


def test_a_font_without_chinese_is_caught() -> None:
    latin_only = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert ord("商") not in cmap_of(latin_only)
    with pytest.warns(UserWarning, match="missing from font"):
        bar_chart_png("商标", ["商标"], [1], latin_only)


def test_report_queries_walk_covering_indexes_without_sorting(db) -> None:
    """The live queries aggregate while walking their index: no temporary sort, no table read."""
    traced: list[str] = []
    with db.tracer(lambda sql, params: traced.append(sql)):
        collect(db, Period(*PERIOD), MetricsSettings(), False, datetime(2026, 11, 25, tzinfo=UTC))
    for index, grouping in (("idx_events_mix", "GROUP BY kind, decision, topic, intent"),
                            ("idx_events_place", "GROUP BY county, channel")):
        sql = next(s for s in traced if f"INDEXED BY {index}" in s and grouping in s)
        plan = " / ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + sql, {
            "start": "", "end": "~", "internal": 0}).fetchall())
        assert f"COVERING INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan


def test_migrations_add_the_report_indexes_and_tables() -> None:
    db = open_db(":memory:")
    names = {index.name for index in db["events"].indexes}
    assert {"idx_events_kind_time_internal", "idx_events_mix", "idx_events_place", "idx_events_time_user",
            "idx_events_reply_to"} <= names
    assert {"daily_aggregates", "active_firms"} <= set(db.table_names())


def test_a_forgotten_firm_still_counts_but_is_no_longer_a_firm_or_a_gap(db) -> None:
    """/forget (bot/firms/profiles.py) keeps the events' counts but drops the user hash and the question text."""
    log = EventLog(db, "test-salt")
    forget_firm(db, log.firm("wecom", "B"), log.user("wecom", "B"))
    result = summary(db, *PERIOD)
    assert (result.questions, result.decisions["fallback"]) == (10, 3)
    assert (result.active_firms, result.new_subscribers) == (3, 1)
    assert [g.example for g in knowledge_gaps(db, *PERIOD)] == ["商标注册要多长时间", "天气预报", "开放许可"]
