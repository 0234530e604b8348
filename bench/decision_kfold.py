"""Choose the answer / choices / fallback rule on the dev set, k-fold (prints the figures; edits nothing).

    python bench/decision_kfold.py [tests/data/dev_questions.yaml] [--folds 5] [--phrasings]
        [--try '{"answer_lead": 8}' ...]

Each decision setting (today's config.yaml, then each --try override of `matching:`, by default the
DEFAULT_TRIES below) is run by the real Engine over every dev question once. Per fold, the setting with the
best `bot.answering.evaluate.objective` on the other folds decides the held-out fold: the out-of-fold figures
say what choosing this way is worth on questions it was not chosen on. --phrasings adds the leave-phrasings-out
proxy for unseen wording (bench/phrasing_cv.py: phrasings removed from the knowledge base, asked back).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.phrasing_cv import reduced
from bot.answering.calibration import folds
from bot.answering.evaluate import (
    METRICS,
    SHORT_NAMES,
    EngineRunner,
    Outcome,
    Question,
    _figures,
    _percent,
    objective,
    read_questions,
)
from bot.app import load_knowledge
from bot.common.clock import SystemClock
from bot.common.config import Settings, load_settings
from bot.knowledge.base import KnowledgeBase

DEFAULT_TRIES = (
    {"answer_lead": 8}, {"answer_lead": 16}, {"topic_margin": 6}, {"topic_margin": 8}, {"answer_threshold": 55},
    {"long_question_easing": 0.3},
)
Pairs = list[tuple[Question, Outcome]]


def asked(kb: KnowledgeBase, settings: Settings, questions: list[Question]) -> Pairs:
    runner = EngineRunner(kb, settings, SystemClock())
    return [(q, runner.ask(q)[0]) for q in questions]


def figures_line(name: str, pairs: Pairs) -> str:
    figures = _figures(pairs)
    cells = " · ".join(f"{short} {_percent(figures[m])}" for m, short in zip(METRICS, SHORT_NAMES))
    return f"{name:<44} objective {objective(figures):.4f}  {cells}"


def out_of_fold(runs: dict[str, Pairs], k: int) -> tuple[Pairs, list[str]]:
    """Each dev question decided by the setting that is best on the folds without it; the picks per fold."""
    count = len(next(iter(runs.values())))
    picked: list = [None] * count
    picks = []
    for held_out in folds(count, k):
        train = np.setdiff1d(np.arange(count), held_out)
        best = max(runs, key=lambda name: objective(_figures([runs[name][i] for i in train])))
        picks.append(best)
        for i in held_out:
            picked[i] = runs[best][i]
    return picked, picks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default="tests/data/dev_questions.yaml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--phrasings", action="store_true", help="also the leave-phrasings-out proxy (3 folds)")
    parser.add_argument("--try", dest="tries", action="append", type=json.loads, help="a matching override (JSON)")
    args = parser.parse_args()
    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    questions = read_questions(Path(args.file))
    proxies = [reduced(kb, fold, 3) for fold in range(3)] if args.phrasings else []
    runs = {}
    for override in [{}, *(args.tries or DEFAULT_TRIES)]:
        name = json.dumps(override, ensure_ascii=False) if override else "config.yaml"
        tried = replace(settings, matching=replace(settings.matching, **override))
        runs[name] = asked(kb, tried, questions)
        print(figures_line(f"dev {name}", runs[name]), flush=True)
        if proxies:
            held = [pair for small_kb, phrasings in proxies for pair in asked(small_kb, tried, phrasings)]
            print(figures_line(f"  held-out phrasings (n={len(held)})", held), flush=True)
    chosen, picks = out_of_fold(runs, args.folds)
    print(f"\npicked per fold: {', '.join(picks)}")
    print(figures_line(f"dev, {args.folds}-fold out-of-fold", chosen))


if __name__ == "__main__":
    main()
