"""How the Engine's cost grows with the knowledge base: whole-process start-up and per-question latency.

    python bench/kb_scaling.py [--factors 1 5 20] [--rounds 3] [--quick]

Start-up is the whole process, `python run_bot.py ask "商标注册要多久"` (imports included), beside its
floor: a fresh process that only imports the dependencies (rapidfuzz, jieba, yaml) and loads jieba's
dictionary. It is measured over the real knowledge base (1×) and synthetic ones of 5× and 20× its
entries (made by recombining the real entries' phrasings with numbered subjects, so vocabulary grows as
it would), each with the normalisation memo cold (a fresh BOT_CACHE_DIR: every phrasing analysed) and
warm (the memo the previous run left, as every start-up after the first); medians of --rounds
alternating runs, CPU seconds of the child (user + system: comparable on a shared machine) and wall.
"work" is the start-up above the floor; linear growth means work(20×) ≤ 20 × work(1×). A second row
imports the other libraries `ask` needs (numpy for the matcher's scores, sqlite_utils for the event log)
on top of the floor: what is left above it is the project's own modules and work.
The project's bytecode is compiled first, as installed dependencies' is (where PYTHONDONTWRITEBYTECODE
is set, every process would otherwise compile ~90 modules of bot/ and cli/ from source, ~0.3 s).
Per-question latency against its floor, at the same sizes, is bench/matching.py's.
--quick: one round, 1× only.
"""
from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import load_knowledge  # noqa: E402
from bot.common.config import load_settings  # noqa: E402

IMPORT_FLOOR = "import rapidfuzz, jieba, yaml; jieba.initialize()"
ASK_LIBRARIES = "import rapidfuzz, jieba, yaml, numpy, sqlite_utils; jieba.initialize()"
PROJECT_PACKAGES = ("bot", "cli", "handlers", "web")
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


def process_seconds(arguments: list[str], environ: dict[str, str] | None = None) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of a fresh Python process, from start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    environ = {**os.environ, "BOT_DB_PATH": ":memory:", **(environ or {})}  # the question is not logged
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, capture_output=True, env=environ)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def compile_project() -> None:
    """The project's packages compiled to bytecode (__pycache__, ignored by git), as Python writes it by
    default and as installed dependencies have it."""
    for package in PROJECT_PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def config_for(kb_dir: Path, folder: Path) -> Path:
    """A config file like config.yaml whose knowledge_dir is `kb_dir`."""
    raw = yaml.safe_load((ROOT / "config.yaml").read_text("utf-8"))
    raw["knowledge_dir"] = str(kb_dir)
    path = folder / f"config-{kb_dir.name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


def start_up(config: Path, memo: Path, cold: bool) -> tuple[float, float]:
    """One `ask` process over the knowledge base of `config`, with the memo directory emptied first if cold."""
    if cold:
        shutil.rmtree(memo, ignore_errors=True)
    return process_seconds(["run_bot.py", "--config", str(config), *ASK[1:]], {"BOT_CACHE_DIR": str(memo)})


def start_up_against_floor(kb_dirs: list[tuple[str, Path]], rounds: int, tmp: Path) -> None:
    """The whole process answering one question beside the import-and-dictionary floor (medians)."""
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    floor: list[tuple[float, float]] = []
    libraries: list[tuple[float, float]] = []
    configs = [(name, config_for(kb_dir, tmp)) for name, kb_dir in kb_dirs]
    compile_project()
    for _ in range(rounds):  # alternating, so a busy machine slows all alike
        floor.append(process_seconds(["-c", IMPORT_FLOOR]))
        libraries.append(process_seconds(["-c", ASK_LIBRARIES]))
        for name, config in configs:
            for memo_state in ("cold", "warm"):
                memo = tmp / f"memo-{name}"
                runs.setdefault((name, memo_state), []).append(start_up(config, memo, memo_state == "cold"))
    floor_cpu, floor_wall = (statistics.median(f[i] for f in floor) for i in (0, 1))
    libraries_cpu, libraries_wall = (statistics.median(f[i] for f in libraries) for i in (0, 1))
    print(f"start-up, medians of {rounds} fresh processes each (CPU = user + system of the process)")
    print("| process | knowledge | memo | CPU s | × floor | work above floor s | work × 1× | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| floor: import rapidfuzz, jieba, yaml + jieba dictionary | – | – | {floor_cpu:.2f} | 1 | – | – | {floor_wall:.2f} |")
    print(f"| floor + numpy, sqlite_utils (ask's other libraries) | – | – | {libraries_cpu:.2f} | "
          f"{libraries_cpu / floor_cpu:.2f} | {libraries_cpu - floor_cpu:.2f} | – | {libraries_wall:.2f} |")
    base_work: dict[str, float] = {}
    for (name, memo_state), measured in runs.items():
        cpu, wall = (statistics.median(m[i] for m in measured) for i in (0, 1))
        work = cpu - floor_cpu
        base_work.setdefault(memo_state, work)
        print(f"| ask \"商标注册要多久\" | {name} | {memo_state} | {cpu:.2f} | {cpu / floor_cpu:.2f} | {work:.2f} | "
              f"{work / base_work[memo_state]:.1f} | {wall:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", type=int, nargs="*", default=[1, 5, 20], help="knowledge sizes for start-up")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes of each kind (medians)")
    parser.add_argument("--quick", action="store_true", help="one round, 1× only")
    args = parser.parse_args()
    if args.quick:
        args.factors, args.rounds = [1], 1
    settings = load_settings()
    real_entries = len(load_knowledge(settings.knowledge_dir).entries)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        kb_dirs = [
            (f"{factor}×", settings.knowledge_dir if factor == 1 else
             synthetic_kb(settings.knowledge_dir, factor * real_entries, tmp / f"kb{factor}x", random.Random(factor)))
            for factor in args.factors
        ]
        start_up_against_floor(kb_dirs, args.rounds, tmp)


if __name__ == "__main__":
    main()
