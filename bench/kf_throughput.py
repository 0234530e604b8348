"""微信客服 messages per second through the sync loop and the reply path, against the local fake.

    python bench/kf_throughput.py [--messages 1000] [--page 1000] [--quick]

Firms (one message each, questions from tests/data/dev_questions.yaml) write to one kf account; one pass of
the puller pulls them with kf/sync_msg (pages of --page, has_more followed), answers each through the Engine
and sends every reply with kf/send_msg (menus included), all through httpx to the in-process fake. Printed
beside the floor, the Engine alone on the same questions (SQLite file, WAL): the difference is the
channel's own cost (the inbox and reply writes that make it exactly-once, JSON, HTTP to the fake).
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from kf_pullers import puller_over  # noqa: E402
from wecom_kf_fake import KFID, FakeKfAPI  # noqa: E402

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import ManualClock  # noqa: E402
from bot.common.config import load_settings  # noqa: E402

FIXTURE_KB = ROOT / "tests" / "data" / "kb_fixture"


def questions() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "data" / "dev_questions.yaml").read_text(encoding="utf-8"))
    return [item["text"] for item in data]


def engine_in(workdir: Path, name: str, clock: ManualClock) -> Engine:
    kb_dir = workdir / "knowledge"
    if not kb_dir.exists():
        shutil.copytree(FIXTURE_KB, kb_dir)
        shutil.copy(ROOT / "knowledge" / "synonyms.yaml", kb_dir / "synonyms.yaml")
    settings = replace(load_settings(ROOT / "config.yaml", environ={}), knowledge_dir=kb_dir,
                       db_path=workdir / f"{name}.db")
    return Engine(load_knowledge(kb_dir), settings, open_db(settings.db_path), clock)


def floor(workdir: Path, texts: list[str], count: int, clock: ManualClock) -> float:
    """Messages per second through Engine.handle alone."""
    engine = engine_in(workdir, "floor", clock)
    started = time.perf_counter()
    for n in range(count):
        engine.handle(Message("wecom_kf", f"{KFID}:wmFirm{n}", texts[n % len(texts)]))
    return count / (time.perf_counter() - started)


async def through_kf(
    workdir: Path, texts: list[str], count: int, page: int, clock: ManualClock,
) -> tuple[float, int, int]:
    """Messages per second through one puller pass; and the messages sent and sync_msg calls made."""
    engine = engine_in(workdir, "kf", clock)
    api = FakeKfAPI(clock=clock)
    for n in range(count):
        api.customer_says(f"wmFirm{n}", texts[n % len(texts)])
    puller = puller_over(engine, engine.settings, clock, api, holder="bench")
    puller.page_size = page
    started = time.perf_counter()
    assert await puller.run_pass(KFID)
    seconds = time.perf_counter() - started
    assert engine.db["kf_inbox"].count_where("status = 'new'") == 0 and not api.refused
    return count / seconds, len(api.kf_sent), api.calls.count("kf/sync_msg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--page", type=int, default=1000, help="messages per kf/sync_msg page (≤ 1000)")
    parser.add_argument("--quick", action="store_true", help="100 messages (a smoke run)")
    args = parser.parse_args()
    count = 100 if args.quick else args.messages
    texts = questions()
    clock = ManualClock(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        alone = floor(workdir, texts, count, clock)
        rate, sent, pages = asyncio.run(through_kf(workdir, texts, count, args.page, clock))
    print(f"{count} messages from {count} firms, one kf account, pages of {args.page}\n")
    print("| path | messages/s | vs the floor |")
    print("|---|---|---|")
    print(f"| floor: Engine.handle alone (SQLite file, WAL) | {alone:,.0f} | 1.00 |")
    print(f"| kf pass: sync_msg ({pages} pages) → inbox → Engine → replies → send_msg ({sent} sent) | "
          f"{rate:,.0f} | {rate / alone:.2f} |")


if __name__ == "__main__":
    main()
