"""`eval`: the Engine (and two baselines) over a labelled question file, without touching the bot's database."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import yaml
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process

from bot.answering.calibration import Ranking, fit, folds, probability
from bot.answering.engine import Engine
from bot.answering.ports import ANSWER, CLARIFY, FALLBACK, Message
from bot.common.clock import Clock
from bot.common.config import Settings
from bot.common.vocab import OUT_OF_SCOPE, SMALLTALK
from bot.knowledge.base import Entry, KnowledgeBase
from bot.language.normalize import Analysis
from bot.stations.referrals import is_where_intent
from bot.storage import store

METRICS = ("in_scope_accuracy", "answer_rate", "wrong_answer_rate", "out_of_scope_rejection", "expect_hit_rate")
SHORT_NAMES = ("accuracy", "answered", "wrong", "rejected", "expect")
WARM_UP = 20
FOLLOWUP_TAG = "followup"
REPORT_KEYS = (*METRICS, "ip_word_rejection", "by_tag", "bands", "overlap", "latency_ms", "misses")
SCORE_BANDS = (0, 45, 50, 55, 60, 70, 80, 90, 101)  # raw top scores (0–100) the direct answers are grouped by
STATIONS_BAND = "stations"  # station lists: answers that no score decided
IP_WORD_TAG = "ip_word"  # out of scope although it names an IP word (车辆质押, 商标纸印刷)


class EvalFileError(ValueError):
    """The question file is missing or malformed."""


@dataclass(frozen=True)
class Question:
    text: str
    topic: str
    expect_any: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # input classes (long, english, traditional, ip_word …); followup if context


@dataclass(frozen=True)
class Outcome:
    """What a system did with one question."""

    decision: str
    topic: str
    intent: str | None
    answer: str = ""
    score: float | None = None  # the reply's score (the top entry's), when the Engine decided it
    long: bool = False  # more words than matching.long_question_tokens


def read_questions(path: Path) -> list[Question]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EvalFileError(f"eval: cannot read {path}: {exc}") from None
    if not isinstance(raw, list):
        raise EvalFileError(f"eval: {path} must be a YAML list")
    questions = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item.get("topic"):
            raise EvalFileError(f"eval: item {number} needs `text` and `topic`")
        context = tuple(str(s) for s in item.get("context") or ())
        tags = tuple(dict.fromkeys([*(str(t) for t in item.get("tags") or ()), *([FOLLOWUP_TAG] if context else [])]))
        questions.append(
            Question(item["text"], str(item["topic"]), tuple(str(s) for s in item.get("expect_any") or ()), context, tags)
        )
    return questions


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _is_wrong(q: Question, o: Outcome) -> bool:
    if o.decision != ANSWER:
        return False
    if q.topic == OUT_OF_SCOPE:
        return o.topic not in (SMALLTALK, OUT_OF_SCOPE)
    return o.topic != q.topic


def _figures(pairs: Sequence[tuple[Question, Outcome]]) -> dict[str, float | None]:
    in_scope = [(q, o) for q, o in pairs if q.topic != OUT_OF_SCOPE]
    out_scope = [(q, o) for q, o in pairs if q.topic == OUT_OF_SCOPE]
    expecting = [(q, o) for q, o in pairs if q.expect_any]
    return {
        "in_scope_accuracy": _ratio(sum(o.topic == q.topic and o.decision != FALLBACK for q, o in in_scope), len(in_scope)),
        "answer_rate": _ratio(sum(o.decision == ANSWER for _, o in in_scope), len(in_scope)),
        "wrong_answer_rate": _ratio(sum(_is_wrong(q, o) for q, o in pairs), len(pairs)),
        "out_of_scope_rejection": _ratio(
            sum(o.decision == FALLBACK or o.topic == SMALLTALK for _, o in out_scope), len(out_scope)
        ),
        "expect_hit_rate": _ratio(
            sum(o.decision == ANSWER and any(s in o.answer for s in q.expect_any) for q, o in expecting),
            len(expecting),
        ),
    }


def summarise(pairs: Sequence[tuple[Question, Outcome]]) -> dict[str, Any]:
    """Each figure overall and per labelled topic, plus the misses."""
    overall = _figures(pairs)
    topics = sorted({q.topic for q, _ in pairs})
    by_topic = {t: _figures([(q, o) for q, o in pairs if q.topic == t]) for t in topics}
    report: dict[str, Any] = {
        name: {"overall": overall[name], "by_topic": {t: by_topic[t][name] for t in topics if by_topic[t][name] is not None}}
        for name in METRICS
    }
    report["by_tag"] = figures_by_tag(pairs)
    report["bands"] = precision_by_band(pairs)
    ip_word = [(q, o) for q, o in pairs if IP_WORD_TAG in q.tags and q.topic == OUT_OF_SCOPE]
    report["ip_word_rejection"] = {"count": len(ip_word), "overall": _figures(ip_word)["out_of_scope_rejection"]}
    report["misses"] = [
        {"text": q.text, "topic": q.topic, "got_topic": o.topic, "decision": o.decision, "intent": o.intent}
        for q, o in pairs
        if _is_wrong(q, o)
        or (q.topic != OUT_OF_SCOPE and (o.decision == FALLBACK or o.topic != q.topic))
        or (q.topic == OUT_OF_SCOPE and o.decision != FALLBACK and o.topic != SMALLTALK)
    ]
    return report


def figures_by_tag(pairs: Sequence[tuple[Question, Outcome]]) -> dict[str, dict[str, Any]]:
    """The five figures for the questions of each tag, with how many there are."""
    tags = sorted({t for q, _ in pairs for t in q.tags})
    out = {}
    for tag in tags:
        tagged = [(q, o) for q, o in pairs if tag in q.tags]
        out[tag] = {"count": len(tagged), **_figures(tagged)}
    return out


def precision_by_band(pairs: Sequence[tuple[Question, Outcome]]) -> list[dict[str, Any]]:
    """How often a direct answer is right, per score band, for short and long questions apart (the
    calibration of the decision: one threshold serves both only if their bands agree); station lists,
    answered without a score, in their own row. Small talk and undecided outcomes are left out."""
    answered = [(q, o) for q, o in pairs if o.decision == ANSWER and o.score is not None and o.topic != SMALLTALK]
    bands = [f"{low}–{min(high, 100)}" for low, high in zip(SCORE_BANDS, SCORE_BANDS[1:])]
    rows = []
    for name in (*bands, STATIONS_BAND):
        row: dict[str, Any] = {"band": name}
        for length, is_long in (("short", False), ("long", True)):
            chosen = [(q, o) for q, o in answered if o.long == is_long and _band_of(o) == name]
            row[length] = {"count": len(chosen), "precision": _ratio(sum(not _is_wrong(q, o) for q, o in chosen), len(chosen))}
        rows.append(row)
    return rows


def _band_of(outcome: Outcome) -> str:
    """The row of a direct answer: its score band, or station lists."""
    if outcome.intent is not None and is_where_intent(outcome.intent):
        return STATIONS_BAND
    score = outcome.score or 0.0
    low, high = next((lo, hi) for lo, hi in zip(SCORE_BANDS, SCORE_BANDS[1:]) if score < hi)
    return f"{low}–{min(high, 100)}"


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


class EngineRunner:
    """Asks each question as a fresh user of an Engine over an in-memory database."""

    def __init__(self, kb: KnowledgeBase, settings: Settings, clock: Clock) -> None:
        self.engine = Engine(kb, settings, store.open_store(":memory:", [store.migrations]), clock)
        self._users = 0

    def ask(self, question: Question) -> tuple[Outcome, float]:
        self._users += 1
        user = f"eval-{self._users}"
        for earlier in question.context:
            self.engine.handle(Message("test", user, earlier))
        started = time.perf_counter()
        reply = self.engine.handle(Message("test", user, question.text))
        elapsed = (time.perf_counter() - started) * 1000
        words = len(self.engine.kb.normalizer.analyze(question.text).tokens)
        is_long = words > self.engine.settings.matching.long_question_tokens
        return Outcome(reply.decision, reply.topic, reply.intent, reply.text, reply.score, is_long), elapsed


def run_engine(kb: KnowledgeBase, settings: Settings, clock: Clock, questions: list[Question]) -> dict[str, Any]:
    runner = EngineRunner(kb, settings, clock)
    for question in questions[:WARM_UP]:
        runner.ask(question)
    pairs, timings = [], []
    for question in questions:
        outcome, elapsed = runner.ask(question)
        pairs.append((question, outcome))
        timings.append(elapsed)
    report = summarise(pairs)
    phrasings = {kb.normalizer.analyze(p).key for e in kb.entries.values() for p in e.questions}
    overlapping = [q for q in questions if kb.normalizer.analyze(q.text).key in phrasings]
    report["overlap"] = {"count": len(overlapping), "overall": _ratio(len(overlapping), len(questions))}
    report["latency_ms"] = {"p50": round(percentile(timings, 50), 3), "p99": round(percentile(timings, 99), 3)}
    return {key: report[key] for key in REPORT_KEYS}


# ---- calibrated decisions (bot/answering/calibration.py), fitted on labelled questions ----------------------

ANSWER_GRID = [round(0.2 + 0.025 * i, 3) for i in range(30)]
CLARIFY_GRID = [round(0.05 + 0.05 * i, 3) for i in range(17)]


@dataclass(frozen=True)
class RankedRow:
    """One ranked question: an outcome no threshold changes (small talk, a gate), or the top topic and ranking."""

    question: Question
    fixed: Outcome | None  # smalltalk or a gated fallback: no threshold changes it
    topic: str  # the top entry's topic
    ranking: Ranking | None
    answer: str = ""  # the top entry's answer as it would be sent

    @property
    def right(self) -> bool:
        return self.topic == self.question.topic


def outcomes(rows: list[RankedRow], weights, answer: float, clarify: float) -> list[tuple[Question, Outcome]]:
    pairs = []
    for row in rows:
        if row.fixed:
            pairs.append((row.question, row.fixed))
            continue
        assert row.ranking is not None, "a row without a fixed outcome is ranked"
        p = probability(weights, row.ranking)
        decision = ANSWER if p >= answer else CLARIFY if p >= clarify else FALLBACK
        topic = row.topic if decision != FALLBACK else OUT_OF_SCOPE
        pairs.append((row.question, Outcome(decision, topic, None, row.answer if decision == ANSWER else "")))
    return pairs


def fitted(rows: list[RankedRow]) -> tuple[tuple[float, ...], float, float]:
    """Weights, then the answer and clarify probabilities that maximise the objective on `rows`."""
    ranked = [(r.ranking, r.right) for r in rows if r.ranking]
    weights = fit([ranking for ranking, _ in ranked], [right for _, right in ranked])
    best = max(
        ((objective(_figures(outcomes(rows, weights, a, c))), a, c) for a in ANSWER_GRID for c in CLARIFY_GRID if c <= a),
        key=lambda t: t[0],
    )
    return weights, best[1], best[2]


def k_fold(rows: list[RankedRow], k: int) -> list[tuple[Question, Outcome]]:
    """Every row decided by a calibration fitted on the other folds."""
    pairs: list = [None] * len(rows)
    for held_out in folds(len(rows), k):
        train = [rows[i] for i in np.setdiff1d(np.arange(len(rows)), held_out)]
        weights, answer, clarify = fitted(train)
        for i, pair in zip(held_out, outcomes([rows[i] for i in held_out], weights, answer, clarify)):
            pairs[i] = pair
    return pairs


def ranker_rows(
    ranker: Callable[[str], list[tuple[str, float]]], kb: KnowledgeBase, coverage: Callable[[Analysis, Entry], float],
    questions: list[Question], day: date,
) -> list[RankedRow]:
    """Each question (alone, without its context) as ranked by a retrieval candidate."""
    rows = []
    for question in questions:
        ranked = ranker(question.text)
        if not ranked:
            rows.append(RankedRow(question, Outcome(FALLBACK, OUT_OF_SCOPE, None), OUT_OF_SCOPE, None))
            continue
        analysis = kb.normalizer.analyze(question.text)
        entry = kb.entries[ranked[0][0]]
        ranking = Ranking(ranked[0][1], ranked[1][1] if len(ranked) > 1 else 0.0, coverage(analysis, entry), len(analysis.tokens))
        rows.append(RankedRow(question, None, entry.topic, ranking, render_answers(kb, entry, day)))
    return rows


def render_answers(kb: KnowledgeBase, entry: Entry, day: date) -> str:
    """Both languages' answer, facts filled in: what expect_any strings are looked for in."""
    return kb.facts.render(entry.answer, "zh", day) + kb.facts.render(entry.answer_en, "en", day)


def calibrated_figures(dev_rows: list[RankedRow], rows: list[RankedRow] | None, folds_count: int = 5) -> dict[str, Any]:
    """The figures of `rows` decided by a calibration fitted on `dev_rows`; `rows` None: the dev set
    itself, k-fold (each question decided by a calibration fitted without it)."""
    if rows is None:
        pairs = k_fold(dev_rows, folds_count)
    else:
        pairs = outcomes(rows, *fitted(dev_rows))
    report = summarise(pairs)
    return {key: report[key] for key in (*METRICS, "ip_word_rejection", "by_tag")}


# ---- baselines -------------------------------------------------------------------------------

Scorer = Callable[[Analysis], list[tuple[int, float]]]  # entry index, score; best first


@dataclass
class Baseline:
    """A plain retrieval method with answer/clarify thresholds tuned on the questions."""

    name: str
    kb: KnowledgeBase
    scorer_factory: Callable[[list[Analysis]], Scorer]
    day: date
    entries: list = field(default_factory=list)

    def outcomes(self, questions: list[Question]) -> list[tuple[Question, Outcome]]:
        self.entries = list(self.kb.entries.values())
        owners, analyses = [], []
        for index, entry in enumerate(self.entries):
            for phrasing in entry.questions:
                owners.append(index)
                analyses.append(self.kb.normalizer.analyze(phrasing))
        scorer = self.scorer_factory(analyses)
        scored = []
        for question in questions:
            per_entry: dict[int, float] = {}
            for phrasing_index, score in scorer(self.kb.normalizer.analyze(question.text)):
                entry = owners[phrasing_index]
                per_entry[entry] = max(per_entry.get(entry, float("-inf")), score)
            ranked = sorted(per_entry.items(), key=lambda kv: kv[1], reverse=True)
            scored.append((question, ranked))
        answer, margin, clarify = self._tune(scored)
        return [(q, self._decide(ranked, answer, margin, clarify)) for q, ranked in scored]

    def _decide(self, ranked: list[tuple[int, float]], answer: float, margin: float, clarify: float) -> Outcome:
        if not ranked:
            return Outcome(FALLBACK, OUT_OF_SCOPE, None)
        top_index, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        entry = self.entries[top_index]
        if top >= answer and top - second >= margin:
            return Outcome(ANSWER, entry.topic, entry.id, self._render(entry))
        if top >= clarify:
            return Outcome(CLARIFY, entry.topic, entry.id)
        return Outcome(FALLBACK, OUT_OF_SCOPE, None)

    def _render(self, entry: Entry) -> str:
        return render_answers(self.kb, entry, self.day)

    def _tune(self, scored: list[tuple[Question, list[tuple[int, float]]]]) -> tuple[float, float, float]:
        tops = sorted({round(r[0][1], 3) for _, r in scored if r})
        grid = [tops[int(i * (len(tops) - 1) / 24)] for i in range(25)] if tops else [0.0]
        spreads = [0.0, 0.02, 0.05, 0.1]
        scale = max(tops, default=1.0) or 1.0
        best, best_value = (0.0, 0.0, 0.0), float("-inf")
        for answer in grid:
            for spread in spreads:
                for clarify in [c for c in grid if c <= answer]:
                    pairs = [(q, self._decide(r, answer, spread * scale, clarify)) for q, r in scored]
                    value = objective(_figures(pairs))
                    if value > best_value:
                        best, best_value = (answer, spread * scale, clarify), value
        return best


def objective(figures: dict[str, float | None]) -> float:
    """What thresholds are tuned for: accuracy, answers and rejections, wrong answers weighed thrice."""
    value = lambda key: figures[key] or 0.0  # noqa: E731
    return (
        value("in_scope_accuracy") + value("answer_rate") + value("out_of_scope_rejection")
        - 3 * value("wrong_answer_rate")
    )


def wratio_scorer(phrasings: list[Analysis]) -> Scorer:
    texts = [p.text for p in phrasings]
    return lambda query: [(i, s) for _, s, i in process.extract(query.text, texts, scorer=fuzz.WRatio, limit=50)]


def bm25_scorer(phrasings: list[Analysis]) -> Scorer:
    model = BM25Okapi([list(p.tokens) or [""] for p in phrasings])

    def score(query: Analysis) -> list[tuple[int, float]]:
        values = model.get_scores(list(query.tokens))
        return sorted(enumerate(float(v) for v in values), key=lambda kv: kv[1], reverse=True)[:50]

    return score


def run_baselines(kb: KnowledgeBase, questions: list[Question], day: date) -> dict[str, Any]:
    """The same figures for rapidfuzz WRatio and BM25, thresholds tuned on these questions."""
    out = {}
    for name, factory in (("wratio", wratio_scorer), ("bm25", bm25_scorer)):
        report = summarise(Baseline(name, kb, factory, day).outcomes(questions))
        out[name] = {key: report[key] for key in METRICS}
    return out


def band_table(bands: list[dict[str, Any]]) -> Iterable[str]:
    """The direct-answer precision per score band as a Markdown table."""
    yield "direct answers right, per score band:"
    yield "| top score | short questions | long questions |"
    yield "|---|---|---|"
    for row in bands:
        cells = [
            f"{_percent(row[length]['precision'])} of {row[length]['count']}" if row[length]["count"] else "–"
            for length in ("short", "long")
        ]
        yield f"| {row['band']} | {cells[0]} | {cells[1]} |"


def comparison_table(ours: dict[str, Any], baselines: dict[str, Any]) -> str:
    """A Markdown table of the five figures, ours beside each baseline."""
    names = ["知创助手", *baselines]
    rows = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for metric in METRICS:
        values = [ours[metric]["overall"], *(b[metric]["overall"] for b in baselines.values())]
        rows.append(f"| {metric} | " + " | ".join(_percent(v) for v in values) + " |")
    return "\n".join(rows)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def format_report(report: dict[str, Any]) -> Iterable[str]:
    """Human-readable lines for the terminal."""
    for metric in METRICS:
        figure = report[metric]
        yield f"{metric}: {_percent(figure['overall'])}"
        for topic, value in figure["by_topic"].items():
            yield f"    {topic}: {_percent(value)}"
    ip_word = report["ip_word_rejection"]
    yield f"ip_word_rejection: {_percent(ip_word['overall'])} of {ip_word['count']}"
    for tag, figures in report["by_tag"].items():
        yield f"tag {tag} ({figures['count']}): " + " · ".join(
            f"{short} {_percent(figures[metric])}" for metric, short in zip(METRICS, SHORT_NAMES)
        )
    yield from band_table(report["bands"])
    yield f"overlap: {report['overlap']['count']} ({_percent(report['overlap']['overall'])})"
    yield f"latency_ms: p50 {report['latency_ms']['p50']} · p99 {report['latency_ms']['p99']}"
    yield f"misses: {len(report['misses'])}"
    for miss in report["misses"]:
        yield f"    [{miss['topic']} → {miss['got_topic']}/{miss['decision']}] {miss['text']} ({miss['intent']})"
