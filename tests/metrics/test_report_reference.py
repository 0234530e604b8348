"""The report's SQL against a straightforward reference: every figure recounted in Python, row by row, over
a seeded random database (several weeks across a month's end, many firms, every kind of event), and the
plans of the report's statements (no temporary B-tree, no full scan of events)."""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from rapidfuzz import fuzz, process
from test_report_plans import plans_of

from bot.app import open_db
from bot.common.clock import SHANGHAI
from bot.common.config import MetricsSettings
from bot.metrics.queries import GAP_CANDIDATES, MONTH, WEEK, WHOLE, Period, local_day, summary
from bot.metrics.report import collect
from bot.storage.events import EventLog, forget_events
from bot.storage.store import Store

FIRST_DAY = date(2026, 10, 12)
DAYS = 40
GENERATED = datetime(2026, 12, 31, tzinfo=UTC)
STEMS = ("商标注册要多久", "专利年费怎么交", "明天天气怎么样", "地理标志怎么申请", "版权登记费用", "建盏能注册商标吗")
TAILS = ("", "呢", "啊", "流程", "费用", "在哪办")
UNSAID = (STEMS[2], STEMS[3] + "呢")  # questions kept without their wording (as events written before it was)
TOPICS = ("trademark", "patent", "copyright", "smalltalk", None)
COUNTIES = ("建阳区", "邵武市", "浦城县", "city", None)


def seed_random(db: Store, seed: int = 16) -> None:
    """About 1,500 events of 30 firms over DAYS days, written as the bot writes them."""
    rng = random.Random(seed)
    log = EventLog(db, "reference-salt")
    firms = [(rng.choice(("telegram", "wecom", "cli")), f"firm{i}") for i in range(30)]
    answers: list[int] = []
    clarifies: list[int] = []
    for _ in range(1500):
        channel, who = rng.choice(firms)
        when = datetime.combine(FIRST_DAY, datetime.min.time(), SHANGHAI) + timedelta(
            seconds=rng.randrange(DAYS * 86400))
        common: dict[str, Any] = {"time": when, "channel": channel, "user": log.user(channel, who),
                                  "internal": rng.random() < 0.05, "county": rng.choice(COUNTIES)}
        roll = rng.random()
        if roll < 0.12 and answers:
            log.record("feedback", **common, reply_to=rng.choice(answers),
                       detail={"value": rng.choice(("up", "up", "down"))})
        elif roll < 0.18 and clarifies:
            answers.append(log.record("choice", **common, topic="trademark", intent="tm_fee", decision="answer",
                                      reply_to=rng.choice(clarifies)))
        elif roll < 0.24:
            keys = rng.choice((("station", "type"), ("station_id", "station_type")))
            detail = {keys[0]: f"st{rng.randrange(4)}", keys[1]: rng.choice(("window", "brand")),
                      "county": rng.choice(COUNTIES[:3]), "topic": rng.choice(TOPICS[:3])}
            log.record("referral", **common, topic=rng.choice(TOPICS), detail=detail)
        else:
            decision = rng.choice(("answer", "answer", "answer", "clarify", "fallback"))
            text = rng.choice(STEMS) + rng.choice(TAILS)
            event = log.record("question", **common, question=text, topic=rng.choice(TOPICS),
                               intent=rng.choice(("tm_fee", "pt_fee", None)), decision=decision, language="zh",
                               detail=None if text.startswith(UNSAID) else {"asked": f"{text}？{rng.randrange(3)}"})
            (answers if decision == "answer" else clarifies if decision == "clarify" else []).append(event)
    for channel, who in firms[:2]:
        forget_events(db, who, log.user(channel, who))


def rows_of(db: Store) -> list[dict[str, Any]]:
    return [dict(row) for row in db.query("select * from events order by id")]


def within(row: dict[str, Any], period: Period, include_internal: bool) -> bool:
    start, end = period.utc_bounds
    return start <= row["time"] < end and (include_internal or not row["internal"])


def last_ratings(rows: list[dict[str, Any]], start: str) -> dict[int, str]:
    """Each answer's last rating: the value of the feedback with the highest id replying to it."""
    last: dict[int, str] = {}
    for row in rows:
        if row["kind"] == "feedback" and row["reply_to"] is not None and row["time"] >= start:
            last[row["reply_to"]] = json.loads(row["detail"])["value"]
    return last


def blank(value: Any) -> Any:
    return "" if value is None else value


def reference_figures(rows: list[dict[str, Any]], period: Period, include_internal: bool) -> dict[str, Any]:
    """Every figure of the report, counted row by row."""
    by_id = {row["id"]: row for row in rows}
    live = [row for row in rows if within(row, period, include_internal)]
    rating = last_ratings(rows, period.utc_bounds[0])
    chosen = {row["reply_to"] for row in rows if row["kind"] == "choice"}
    questions = [row for row in live if row["kind"] == "question"]
    answers = [row for row in live if row["kind"] in ("question", "choice") and row["decision"] == "answer"]
    per_day = Counter(local_day(row["time"]) for row in questions)
    referrals = Counter()
    for row in (r for r in live if r["kind"] == "referral"):
        info = json.loads(row["detail"])
        referrals[(blank(info.get("station", info.get("station_id"))), blank(info.get("type", info.get("station_type"))),
                   blank(info.get("county", row["county"])), blank(info.get("topic", row["topic"])))] += 1
    return {
        "per_day": {day: per_day[day] for day in period.days()},
        "mix": Counter(tuple(blank(r[k]) for k in ("kind", "decision", "topic", "intent"))
                       for r in live if r["kind"] in ("question", "choice")),
        "places": Counter((blank(r["county"]), blank(r["channel"])) for r in questions),
        "rated": Counter((blank(r["topic"]), blank(r["intent"]), rating[r["id"]]) for r in answers if r["id"] in rating),
        "resolved": sum(r["decision"] == "clarify" and r["id"] in chosen for r in questions),
        "referrals": referrals,
        "firms": reference_firms(live, period),
        "gaps": reference_gaps(questions, answers, rating, by_id),
    }


def reference_firms(live: list[dict[str, Any]], period: Period) -> list[tuple[str, date, int]]:
    parts = [(k, p) for k in (WEEK, MONTH) for p in period.parts(k)] + [(WHOLE, period)]
    return [(kind, part.start, len({r["user"] for r in live if r["user"] is not None
                                   and part.start <= local_day(r["time"]) <= part.end}))
            for kind, part in parts]


def reference_gaps(questions: list[dict[str, Any]], answers: list[dict[str, Any]], rating: dict[int, str],
                   by_id: dict[int, dict[str, Any]]) -> list[tuple]:
    """Fallback and 👎 questions, grouped greedily: each joins the best-matching earlier example."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in questions:
        if row["decision"] == "fallback" and row["question"]:
            counts[row["question"]][0] += 1
    for row in answers:
        if rating.get(row["id"]) == "down":
            text = row["question"] or (by_id[row["reply_to"]]["question"] if row["reply_to"] in by_id else None)
            if text:
                counts[text][1] += 1
    said: dict[str, str] = {}
    for row in questions:
        if row["question"] and row["detail"]:
            asked = json.loads(row["detail"])["asked"]
            said[row["question"]] = min(said.get(row["question"], asked), asked)
    ranked = sorted(counts, key=lambda text: (-sum(counts[text]), text))[:GAP_CANDIDATES]
    groups: list[list[Any]] = []
    for text in ranked:
        match = process.extractOne(text, [g[0] for g in groups], scorer=fuzz.token_sort_ratio, score_cutoff=85)
        group = groups[match[2]] if match else None
        if group is None:
            group = [text, 0, 0, [], ""]
            groups.append(group)
        group[1] += counts[text][0]
        group[2] += counts[text][1]
        group[3].append(text)
        group[4] = group[4] or said.get(text, "")
    return sorted((tuple(g) for g in groups), key=lambda g: (-(g[1] + g[2]), g[0]))[:20]


def report_figures(db: Store, period: Period, include_internal: bool) -> dict[str, Any]:
    data = collect(db, period, MetricsSettings(), include_internal, GENERATED)
    return {
        "per_day": data.per_day, "mix": data.mix, "places": data.places, "rated": data.rated,
        "resolved": data.resolved, "referrals": data.referrals,
        "firms": [(row.period, row.start, row.active) for row in data.firms],
        "gaps": [(g.example, g.fallback, g.thumbs_down, g.variants, g.said) for g in data.gaps],
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Store:
    db = open_db(tmp_path_factory.mktemp("reference") / "bot.db")
    seed_random(db)
    return db


PERIODS = [Period(FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1)),  # every event
           Period(date(2026, 10, 20), date(2026, 11, 4)),  # weeks and a month cut by the period
           Period(date(2026, 11, 2), date(2026, 11, 2))]  # one day, as /stats


@pytest.mark.parametrize("include_internal", [False, True])
@pytest.mark.parametrize("period", PERIODS, ids=["all", "cut", "day"])
def test_the_report_counts_what_a_row_by_row_recount_counts(seeded: Store, period: Period,
                                                            include_internal: bool) -> None:
    expected = reference_figures(rows_of(seeded), period, include_internal)
    assert expected["mix"] and expected["firms"][-1][2] > 0  # the period has traffic
    assert report_figures(seeded, period, include_internal) == expected


def test_stats_agree_with_the_report(seeded: Store) -> None:
    period = PERIODS[1]
    data, stats = collect(seeded, period, MetricsSettings(), False, GENERATED), summary(seeded, period.start, period.end)
    assert stats.questions == sum(data.per_day.values())
    assert stats.active_firms == data.firms[-1].active
    assert stats.referrals == sum(data.referrals.values())
    assert stats.clarifications_resolved == data.resolved


EVENTS = {"events", "a", "q", "c", "e", "f", "asked", "later"}  # the events table and the report's aliases of it


def needless_work(plan: list[str]) -> list[str]:
    """Plan lines that sort or read every event: a temporary B-tree, or a scan of events not through a
    covering index."""
    return [line for line in plan if "TEMP B-TREE" in line
            or (line.startswith("SCAN ") and line.split()[1] in EVENTS and "COVERING INDEX" not in line)]


def test_every_report_statement_walks_an_index_without_a_temporary_b_tree(seeded: Store) -> None:
    period = PERIODS[0]
    plans = plans_of(seeded, lambda: (collect(seeded, period, MetricsSettings(), False, GENERATED),
                                      summary(seeded, period.end, period.end)))
    assert len(plans) >= 8
    for sql, plan in plans.items():
        assert needless_work(plan.split(" / ")) == [], (sql, plan)
