"""What normalising one question costs: analyze() beside its floor (one jieba segmentation), jieba runs
per question, the share of a whole Engine reply, and the cost of the traditional-character path.

    python bench/normalize_cost.py [--questions tests/data/dev_questions.yaml] [--rounds 5] [--quick]

Baseline: before issue 13 every question was segmented twice (once to find typos, once to match).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.evaluate import percentile, read_questions  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402
from bot.language.normalize import chinese_script, clean, to_traditional  # noqa: E402

SEGMENTATIONS_BEFORE = 2.0


def timed_ms(work: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    """Milliseconds of each call of `work` over `texts`, `rounds` times."""
    timings = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            work(text)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def line(name: str, timings: list[float], beside: str = "") -> str:
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    return f"{name:<38} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms  {beside}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", default=str(ROOT / "tests" / "data" / "dev_questions.yaml"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one round (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    normalizer, tokenizer = kb.normalizer, kb.normalizer._tokenizer
    texts = [q.text for q in read_questions(Path(args.questions))]
    traditional = [to_traditional(t) for t in texts]

    segment = tokenizer.lcut
    calls = 0

    def counting(text: str, *rest: object, **options: object) -> list[str]:
        nonlocal calls
        calls += 1
        return segment(text, *rest, **options)

    tokenizer.lcut = counting
    analyze = timed_ms(normalizer.analyze, texts, args.rounds)
    per_question = calls / (len(texts) * args.rounds)
    tokenizer.lcut = segment
    floor = timed_ms(lambda t: segment(clean(t)), texts, args.rounds)
    engine = Engine(kb, settings, open_db(":memory:"), SystemClock())
    replies = timed_ms(lambda t: engine.handle(Message("test", "bench", t)), texts, 1)
    answers = [engine.handle(Message("test", "bench", t)).text for t in texts]

    print(f"{len(texts)} questions from {args.questions}, {args.rounds} rounds")
    print(line("normalise (analyze)", analyze, f"floor: one jieba run p50 {percentile(floor, 50):.3f} ms"))
    print(line("one jieba segmentation (floor)", floor))
    print(f"{'jieba runs per question':<38} {per_question:.2f}   (before: {SEGMENTATIONS_BEFORE:.2f})")
    print(line("whole Engine reply", replies,
               f"normalising is {percentile(analyze, 50) / percentile(replies, 50):.0%} of it at p50"))
    print(line("script of a question (traditional?)", timed_ms(chinese_script, traditional, args.rounds)))
    print(line("reply text to traditional", timed_ms(to_traditional, answers, args.rounds)))


if __name__ == "__main__":
    main()
