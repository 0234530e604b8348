#!/usr/bin/env python3
"""Check that a speed change leaves every answer as it was: record how the Engine reads and answers each
dev question from one tree, then compare another tree's against the record.

    python scripts/same_readings.py record FILE [--entries N]     # e.g. from a `git worktree` of main
    python scripts/same_readings.py compare FILE [--entries N]    # from the changed tree; exit 1 on a difference

Per question (its context turns asked first, as a fresh user): `Engine.reading` (decision, candidates and
their scores, the deciding rule with its figures, confidence), the matcher's top 20 and its top 7 with a
topic preferred, and the reply `Engine.handle` gives (decision, entry, score, text). Scores are compared
exactly (they are rounded to 0.1 by the matcher, so a difference in the last bits of a raw score shows up
at a rounding edge). --entries N: over the synthetic knowledge base of N entries of bench/kb_scaling.py.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.kb_scaling import synthetic_kb  # noqa: E402
from bot.answering.engine import Engine  # noqa: E402
from bot.answering.evaluate import read_questions  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "dev_questions.yaml"


def readings(kb_dir: Path) -> list[dict[str, Any]]:
    """How the Engine over `kb_dir` reads and answers every dev question."""
    settings = load_settings()
    kb = load_knowledge(kb_dir)
    engine = Engine(kb, replace(settings, knowledge_dir=kb_dir), open_db(":memory:"), SystemClock())
    made = []
    for number, question in enumerate(read_questions(QUESTIONS)):
        user = f"same-{number}"
        for earlier in question.context:
            engine.handle(Message("test", user, earlier))
        read = engine.reading(Message("test", user, question.text))
        analysis = kb.normalizer.analyze(question.text)
        reply = engine.handle(Message("test", user, question.text))
        made.append({
            "question": question.text, "decision": read.decision, "rule": read.rule, "confidence": read.confidence,
            "candidates": [[c.entry.id, c.score] for c in read.candidates],
            "top20": [[c.entry.id, c.score] for c in engine.matcher.rank(analysis, limit=20)],
            "preferred": [[c.entry.id, c.score] for c in engine.matcher.rank(analysis, ("trademark",), limit=7)],
            "reply": [reply.decision, reply.intent, reply.score, reply.text],
        })
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--entries", type=int, help="a synthetic knowledge base of this many entries")
    args = parser.parse_args()
    kb_dir = load_settings().knowledge_dir
    with tempfile.TemporaryDirectory() as folder:
        if args.entries:
            kb_dir = synthetic_kb(kb_dir, args.entries, Path(folder) / "kb", random.Random(args.entries))
        made = readings(kb_dir)
    if args.action == "record":
        args.file.write_text(json.dumps(made, ensure_ascii=False, indent=0), "utf-8")
        print(f"recorded {len(made)} questions in {args.file}")
        return 0
    recorded = json.loads(args.file.read_text("utf-8"))
    differing = [(old, new) for old, new in zip(recorded, made) if old != new]
    for old, new in differing:
        print(f"{old['question']}\n  recorded: {old}\n  now:      {new}")
    same = len(recorded) == len(made) and not differing
    print(f"{len(made)} questions: {'all the same' if same else f'{len(differing)} differ'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
