"""Tune the matcher's weights and thresholds on the dev set (prints the best settings; edits nothing).

    python bench/tune_matcher.py tests/data/dev_questions.yaml [--trials 40] [--quick]

For each weight setting the dev questions are ranked once; the answer/clarify thresholds and margin are
then searched over the recorded top-two scores, for `bot.answering.evaluate.objective` — the same objective the
eval baselines are tuned for. Copy the winner into config.yaml's `matching:` block.

Timed: each trial's Engine construction, ranking and threshold search; at the end their medians, and
the ranking's time per question beside its floor, one `rapidfuzz.process.extractOne` of the raw
question over every phrasing of the knowledge base with `fuzz.ratio` (the matcher's first-stage scorer). --quick: two trials.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process

from bot.answering.engine import Engine
from bot.answering.evaluate import Outcome, _figures, objective, read_questions
from bot.answering.ports import ANSWER, CLARIFY, FALLBACK, Message
from bot.app import load_knowledge, open_db
from bot.common.clock import SystemClock
from bot.common.config import load_settings
from bot.common.vocab import OUT_OF_SCOPE

WEIGHT_RANGES = {
    "char_weight": (0.2, 2.0),
    "phrasing_weight": (0.0, 2.0),
    "dice_weight": (0.0, 2.0),
    "entry_weight": (0.0, 2.0),
    "answer_weight": (0.0, 1.5),
    "keyword_bonus": (0.0, 10.0),
    "aspect_penalty": (0.0, 12.0),
    "subject_penalty": (0.0, 25.0),
    "unknown_word_weight": (0.5, 4.0),
}


def ranked_questions(engine: Engine, questions):
    """Per question: (question, gated fallback?, top candidate, top score, runner-up score)."""
    rows = []
    for number, question in enumerate(questions):
        user = f"tune-{number}"
        for earlier in question.context:
            engine.handle(Message("test", user, earlier))
        now = engine.clock.now()
        uid = engine.events.user("test", user)
        analysis = engine.kb.normalizer.analyze(question.text)
        decided = engine._decide(analysis, engine.conversations.context(uid, now))
        cands = decided.candidates
        rows.append((question, decided, cands[0] if cands else None,
                     cands[0].score if cands else 0.0, cands[1].score if len(cands) > 1 else 0.0))
        engine.conversations.forget(uid)
    return rows


def best_thresholds(rows, answers: dict[str, str]):
    best = (float("-inf"), None, None)
    for answer in range(40, 91, 2):
        for margin in (0, 2, 4, 6, 8, 10, 12):
            for clarify in range(25, answer + 1, 5):
                for lead in (8, 12, 16, 20, 100):
                    pairs = [
                        (q, outcome(d, top, s1, s2, (answer, margin, clarify, lead), answers))
                        for q, d, top, s1, s2 in rows
                    ]
                    figures = _figures(pairs)
                    value = objective(figures)
                    if value > best[0]:
                        best = (value, (answer, margin, clarify, lead), figures)
    return best


def outcome(decided, top, score, runner_up, thresholds, answers) -> Outcome:
    """What the Engine would decide with these thresholds."""
    if decided.smalltalk:
        return Outcome(ANSWER, "smalltalk", decided.smalltalk.entry.id)
    if top is None or decided.gated:
        return Outcome(FALLBACK, OUT_OF_SCOPE, None)
    answer, margin, clarify, lead = thresholds
    if (score >= answer and score - runner_up >= margin) or (score >= clarify and score - runner_up >= lead):
        return Outcome(ANSWER, top.entry.topic, top.entry.id, answers[top.entry.id])
    if score >= clarify:
        return Outcome(CLARIFY, top.entry.topic, top.entry.id)
    return Outcome(FALLBACK, OUT_OF_SCOPE, None)


def extract_floor_ms(kb, questions) -> float:
    """The floor of ranking: milliseconds per question of one extractOne over every phrasing."""
    phrasings = [q for entry in kb.entries.values() for q in entry.questions]
    started = time.perf_counter()
    for question in questions:
        process.extractOne(question.text, phrasings, scorer=fuzz.ratio)
    return (time.perf_counter() - started) * 1000 / len(questions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="two trials (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.trials = 1
    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    questions = read_questions(Path(args.file))
    today = date.today()
    answers = {e.id: kb.facts.render(e.answer, "zh", today) + kb.facts.render(e.answer_en, "en", today)
               for e in kb.entries.values()}
    rng = random.Random(args.seed)
    trials = [settings.matching] + [
        replace(settings.matching, **{k: round(rng.uniform(*r), 2) for k, r in WEIGHT_RANGES.items()})
        for _ in range(args.trials)
    ]
    results, seconds = [], []
    for number, matching in enumerate(trials):
        began = time.perf_counter()
        engine = Engine(kb, replace(settings, matching=matching), open_db(":memory:"), SystemClock())
        built = time.perf_counter()
        ranked = ranked_questions(engine, questions)
        ranked_at = time.perf_counter()
        value, thresholds, figures = best_thresholds(ranked, answers)
        seconds.append((built - began, ranked_at - built, time.perf_counter() - ranked_at))
        results.append((value, matching, thresholds, figures))
        print(f"{number:3d} objective {value:.4f} thresholds {thresholds} "
              + " ".join(f"{k}={v}" for k, v in figures.items())
              + f" · {sum(seconds[-1]):.1f} s", flush=True)
    value, matching, thresholds, figures = max(results, key=lambda r: r[0])
    print("\nbest:", matching, "thresholds (answer, margin, clarify, lead):", thresholds)
    print(figures)
    build, rank, search = (statistics.median(column) for column in zip(*seconds))
    per_question, floor = rank * 1000 / len(questions), extract_floor_ms(kb, questions)
    print(f"\nper trial, medians of {len(trials)}: Engine {build:.2f} s, ranking {rank:.2f} s, "
          f"threshold search {search:.2f} s")
    print(f"ranking per question {per_question:.2f} ms; floor (extractOne over {len(questions)} questions) "
          f"{floor:.2f} ms; × floor {per_question / floor:.1f}")


if __name__ == "__main__":
    main()
