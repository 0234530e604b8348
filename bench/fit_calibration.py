"""Fit the calibrated decision on the dev set, k-fold (prints the figures and the config lines; edits nothing).

    python bench/fit_calibration.py tests/data/dev_questions.yaml [--folds 5] [--set aspect_penalty=0 ...]

Each dev question is ranked once by the Engine (its gates included). Per fold, the logistic weights and
the answer/clarify probabilities are fitted on the other folds and applied to the held-out one, so the
printed dev figures are out-of-fold, beside the uncalibrated raw-score thresholds of today. Then the
weights and thresholds are fitted on the whole set: copy them into config.yaml's `matching:` block.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bot.answering.calibration import FEATURES, Ranking, folds, probability
from bot.answering.engine import Engine
from bot.answering.evaluate import (
    METRICS,
    Outcome,
    Question,
    RankedRow,
    _figures,
    fitted,
    k_fold,
    objective,
    read_questions,
    render_answers,
)
from bot.answering.ports import ANSWER, FALLBACK, HANDOFF_INTENT, Message
from bot.app import load_knowledge, open_db
from bot.common.clock import SystemClock
from bot.common.config import load_settings
from bot.common.vocab import OUT_OF_SCOPE, SMALLTALK
from bot.stations.referrals import is_where_intent


def rows_of(engine: Engine, questions: list[Question], day: date) -> list[RankedRow]:
    """Each question asked as a fresh user, as `eval` does; replies that no threshold decides (stations,
    a handoff, small talk, a gated fallback) are kept as they are, the others as their ranking."""
    rows = []
    for number, question in enumerate(questions):
        user = f"fit-{number}"
        for earlier in question.context:
            engine.handle(Message("test", user, earlier))
        analysis = engine.kb.normalizer.analyze(question.text)
        decided = engine._decide(analysis, engine.conversations.context(engine.events.user("test", user), engine.clock.now()))
        reply = engine.handle(Message("test", user, question.text))
        candidates = decided.candidates
        if reply.intent and is_where_intent(reply.intent) or reply.intent == HANDOFF_INTENT:
            rows.append(RankedRow(question, Outcome(reply.decision, reply.topic, reply.intent, reply.text), reply.topic, None))
        elif decided.smalltalk:
            rows.append(RankedRow(question, Outcome(ANSWER, SMALLTALK, decided.smalltalk.entry.id), SMALLTALK, None))
        elif not candidates or decided.gated:
            rows.append(RankedRow(question, Outcome(FALLBACK, OUT_OF_SCOPE, None), OUT_OF_SCOPE, None))
        else:
            top = candidates[0]
            ranking = Ranking(
                top.score, candidates[1].score if len(candidates) > 1 else 0.0,
                engine.matcher.coverage(decided.analysis, top.entry), len(decided.analysis.tokens),
            )
            rows.append(RankedRow(question, None, top.entry.topic, ranking, render_answers(engine.kb, top.entry, day)))
    return rows


BANDS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.01)
LONG_TOKENS = 8  # more words than this: a long question


def out_of_fold_probabilities(rows: list[RankedRow], k: int) -> dict[int, float]:
    """Per ranked row (by index): P(top right) from a calibration fitted on the other folds."""
    probabilities = {}
    for held_out in folds(len(rows), k):
        train = [rows[i] for i in np.setdiff1d(np.arange(len(rows)), held_out)]
        weights = fitted(train)[0]
        probabilities.update({int(i): probability(weights, rows[i].ranking) for i in held_out if rows[i].ranking})
    return probabilities


def band_table(rows: list[RankedRow], probabilities: dict[int, float], label: str) -> list[str]:
    """Markdown rows: per probability band, short and long questions, how often the top entry is right."""
    lines = []
    for low, high in zip(BANDS, BANDS[1:]):
        cells = []
        for is_long in (False, True):
            inside = [
                rows[i].right for i, p in probabilities.items()
                if low <= p < high and (rows[i].ranking.tokens > LONG_TOKENS) == is_long
            ]
            cells.append(f"{100 * sum(inside) / len(inside):.0f}% of {len(inside)}" if inside else "–")
        lines.append(f"| {label} | {low:.1f}–{min(high, 1.0):.1f} | {cells[0]} | {cells[1]} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--report", help="a held-out file: print its precision per band under the dev fit")
    parser.add_argument("--set", action="append", default=[], help="matching override, e.g. aspect_penalty=0")
    args = parser.parse_args()
    settings = load_settings()
    overrides = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    matching = replace(settings.matching, calibration=(), **overrides)
    kb = load_knowledge(settings.knowledge_dir)
    questions = read_questions(Path(args.file))
    engine = Engine(kb, replace(settings, matching=matching), open_db(":memory:"), SystemClock())
    rows = rows_of(engine, questions, date.today())
    figures = _figures(k_fold(rows, args.folds))
    print(f"dev, {args.folds}-fold out-of-fold, calibrated: objective {objective(figures):.4f}")
    print("  " + " ".join(f"{m}={figures[m]}" for m in METRICS if m != "expect_hit_rate"))
    weights, answer, clarify = fitted(rows)
    print(f"\nfitted on all {len(rows)} ({', '.join(FEATURES)}):")
    print(f"  calibration: {list(weights)}\n  answer_probability: {answer}\n  clarify_probability: {clarify}")
    print("\n| set | P(top right) | short questions: top right | long (> 8 words) |\n|---|---|---|---|")
    print("\n".join(band_table(rows, out_of_fold_probabilities(rows, args.folds), "dev (k-fold)")))
    if args.report:
        held_out = rows_of(engine, read_questions(Path(args.report)), date.today())
        chances = {i: probability(weights, r.ranking) for i, r in enumerate(held_out) if r.ranking}
        print("\n".join(band_table(held_out, chances, Path(args.report).stem)))


if __name__ == "__main__":
    main()
