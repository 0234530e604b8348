"""Leave-phrasings-out cross-validation: how well the Engine answers wording it has not memorised.

    python bench/phrasing_cv.py [--folds 3] [--dev tests/data/dev_questions.yaml] [--misses N]

For each of k folds, every entry with more than one phrasing loses its fold's share of them (phrasing i
of entry e is in fold (i + hash(e.id)) mod k; the first kept phrasing always stays). The Engine is built
over that reduced knowledge base (normaliser and matcher included) and asked (a) the removed phrasings,
labelled with their entry's topic, and (b) the dev set. The figures of all folds are pooled and printed
beside the full knowledge base's dev figures and the baseline recorded in docs/answer-quality.md.
Only dev material is used: the check set is never read.
"""
from __future__ import annotations

import argparse
import sys
import zlib
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering.evaluate import (
    METRICS,
    SHORT_NAMES,
    EngineRunner,
    Outcome,
    Question,
    _percent,
    read_questions,
    summarise,
)
from bot.app import load_knowledge
from bot.common.clock import SystemClock
from bot.common.config import load_settings
from bot.common.vocab import SMALLTALK
from bot.knowledge.base import Entry, KnowledgeBase
from bot.knowledge.check import vocabulary_of
from bot.language.normalize import Normalizer

# Pooled 3-fold figures before the generalisation work (branch generalise at c07ece4): accuracy, answered,
# wrong, rejected (%), printed beside today's.
BASELINE = {
    "held-out phrasings": "77.9 · 77.5 · 7.0 · –",
    "dev on reduced KB": "90.7 · 88.5 · 2.8 · 95.4",
    "dev on full KB": "94.0 · 92.0 · 2.5 · 95.8",
}


def fold_of(entry: Entry, index: int, k: int) -> int:
    """The fold phrasing `index` of `entry` belongs to (stable across runs; index 0 never leaves)."""
    return -1 if index == 0 else (index + zlib.crc32(entry.id.encode())) % k


def reduced(kb: KnowledgeBase, fold: int, k: int) -> tuple[KnowledgeBase, list[Question]]:
    """The knowledge base without fold `fold`'s phrasings, and those phrasings as labelled questions."""
    entries, held_out = {}, []
    for entry in kb.entries.values():
        if entry.topic == SMALLTALK or len(entry.questions) < 2:
            entries[entry.id] = entry
            continue
        kept = [q for i, q in enumerate(entry.questions) if fold_of(entry, i, k) != fold]
        held_out += [Question(q, entry.topic) for i, q in enumerate(entry.questions) if fold_of(entry, i, k) == fold]
        entries[entry.id] = replace(entry, questions=tuple(kept))
    normalizer = Normalizer(kb.lexicon, vocabulary_of(entries.values()))
    normalizer.learn_phrasings(q for e in entries.values() for q in e.questions)
    return replace(kb, entries=entries, normalizer=normalizer), held_out


def ask_all(kb: KnowledgeBase, settings, questions: list[Question]) -> list[tuple[Question, Outcome]]:
    runner = EngineRunner(kb, settings, SystemClock())
    return [(q, runner.ask(q)[0]) for q in questions]


def line(name: str, pairs: list[tuple[Question, Outcome]]) -> tuple[str, dict]:
    report = summarise(pairs)
    figures = "  ".join(f"{short} {_percent(report[m]['overall']):>6}" for m, short in zip(METRICS, SHORT_NAMES[:4]))
    return f"{name:<20} n={len(pairs):<5} {figures}   (baseline {BASELINE[name]})", report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--dev", default="tests/data/dev_questions.yaml")
    parser.add_argument("--misses", type=int, default=0, help="print this many held-out misses")
    args = parser.parse_args()
    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    dev = read_questions(Path(args.dev))
    held_pairs, dev_pairs = [], []
    for fold in range(args.folds):
        fold_kb, held_out = reduced(kb, fold, args.folds)
        held_pairs += ask_all(fold_kb, settings, held_out)
        dev_pairs += ask_all(fold_kb, settings, dev)
    print(f"leave-phrasings-out CV, {args.folds} folds (figures pooled over folds)")
    held_line, held_report = line("held-out phrasings", held_pairs)
    dev_line, _ = line("dev on reduced KB", dev_pairs)
    full_line, _ = line("dev on full KB", ask_all(kb, settings, dev))
    for text in (held_line, dev_line, full_line):
        print(text)
    for miss in held_report["misses"][: args.misses]:
        print(f"    [{miss['topic']} → {miss['got_topic']}/{miss['decision']}] {miss['text']} ({miss['intent']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
