"""How the Engine's cost grows with the knowledge base: start-up and per-question latency.

    python bench/kb_scaling.py [--sizes 1000] [--questions tests/data/dev_questions.yaml] [--rounds 5] [--quick]

First the start-up of the whole process, `python run_bot.py ask "商标注册要多久"`, beside its floor: a
fresh process that only imports the dependencies (rapidfuzz, jieba, yaml) and loads jieba's
dictionary; medians of --rounds alternating runs. Then, side by side, the real knowledge base and
synthetic ones of the given sizes (entries made by recombining the real entries' phrasings with
numbered subjects, so vocabulary grows as it would): in-process start-up and per-question latency.
--quick: one round, no synthetic sizes.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.evaluate import percentile, read_questions  # noqa: E402
from bot.answering.ports import Message
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402

IMPORT_FLOOR = "import rapidfuzz, jieba, yaml; jieba.initialize()"
ASK = [str(ROOT / "run_bot.py"), "ask", "商标注册要多久"]
SUBJECTS = ["茶叶", "建盏", "竹木", "笋干", "锥栗", "黄精", "大米", "水产", "白茶", "红茶", "岩茶", "竹席"]


def synthetic_kb(source: Path, size: int, target: Path, rng: random.Random) -> Path:
    """A knowledge base of `size` entries built from the real one's entries and phrasings."""
    shutil.copytree(source, target)
    entries = [
        e for f in sorted((source / "faq").glob("*.yaml")) for e in yaml.safe_load(f.read_text("utf-8"))
        if e["topic"] != "smalltalk"
    ]
    for old in (target / "faq").glob("*.yaml"):
        old.unlink()
    (target / "groups.yaml").unlink(missing_ok=True)  # menus of at most 8 entries cannot hold 1,000
    made = []
    for number in range(size):
        base = dict(entries[number % len(entries)])
        tag = f"{SUBJECTS[number % len(SUBJECTS)]}{number}号"
        base["id"] = f"{base['id']}_{number}"
        base["questions"] = [f"{tag}{q}" for q in base["questions"]]
        base["follow_ups"] = []
        base.pop("group", None)
        made.append(base)
    rng.shuffle(made)
    (target / "faq" / "synthetic.yaml").write_text(yaml.safe_dump(made, allow_unicode=True), "utf-8")
    return target


def measure(kb_dir: Path, questions, settings) -> tuple[int, float, float, float]:
    started = time.perf_counter()
    kb = load_knowledge(kb_dir)
    engine = Engine(kb, replace(settings, knowledge_dir=kb_dir), open_db(":memory:"), SystemClock())
    start_up = time.perf_counter() - started
    for q in questions[:20]:
        engine.handle(Message("test", "warm", q.text))
    timings = []
    for number, q in enumerate(questions):
        t = time.perf_counter()
        engine.handle(Message("test", f"u{number}", q.text))
        timings.append((time.perf_counter() - t) * 1000)
    return len(kb.entries), start_up, percentile(timings, 50), percentile(timings, 99)


def process_seconds(arguments: list[str]) -> float:
    """Wall-clock seconds of a fresh Python process, from start to exit."""
    started = time.perf_counter()
    environ = {**os.environ, "BOT_DB_PATH": ":memory:"}  # the question is not logged in the bot's database
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, capture_output=True, env=environ)
    return time.perf_counter() - started


def start_up_against_floor(rounds: int) -> None:
    """The whole process answering one question beside the import-and-dictionary floor (medians)."""
    floor, ask = [], []
    for _ in range(rounds):  # alternating, so a busy machine slows both alike
        floor.append(process_seconds(["-c", IMPORT_FLOOR]))
        ask.append(process_seconds(ASK))
    floor_s, ask_s = statistics.median(floor), statistics.median(ask)
    print(f"start-up, medians of {rounds} fresh processes each")
    print("| process | seconds | × floor |")
    print("|---|---|---|")
    print(f"| floor: import rapidfuzz, jieba, yaml + jieba dictionary | {floor_s:.2f} | 1 |")
    print(f"| python run_bot.py ask \"商标注册要多久\" | {ask_s:.2f} | {ask_s / floor_s:.2f} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--questions", default=str(ROOT / "tests/data/dev_questions.yaml"))
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes of each kind (medians)")
    parser.add_argument("--quick", action="store_true", help="one round, no synthetic sizes")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.rounds = [], 1
    start_up_against_floor(args.rounds)
    settings = load_settings()
    questions = read_questions(Path(args.questions))
    rows = [("real knowledge base", *measure(settings.knowledge_dir, questions, settings))]
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            kb_dir = synthetic_kb(settings.knowledge_dir, size, Path(tmp) / f"kb{size}", random.Random(size))
            rows.append((f"synthetic {size}", *measure(kb_dir, questions, settings)))
    print(f"{len(questions)} questions, each timed after a warm-up; start-up = knowledge load + kb check + segmenter")
    print("| knowledge base | entries | start-up s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for name, entries, start_up, p50, p99 in rows:
        print(f"| {name} | {entries} | {start_up:.2f} | {p50:.2f} | {p99:.2f} |")


if __name__ == "__main__":
    main()
