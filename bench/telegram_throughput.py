#!/usr/bin/env python3
"""Updates per second through the Telegram adapter (Application.process_update with the offline
Bot API) beside the Engine's own handle() rate on the same questions, so the adapter's cost shows, and
beside Telegram's limit of about 30 messages a second per bot (the ceiling no adapter speed can lift).

    python bench/telegram_throughput.py [--updates 1000] [--limited 120] [--rounds 5] [--knowledge DIR | --fixture] [--quick]

The adapter's own cost is measured with the bot's rate limiter opened up (AIORateLimiter with no overall
or group rate); then --limited updates go through the adapter as deployed, whose AIORateLimiter holds
replies to Telegram's 30 a second (after its burst of 30): that rate should sit at the limit.
Rates are medians of the alternating rounds (a busy machine slows both paths alike).

Both runs use a fresh in-memory database; nothing touches the network or the bot's database.
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from itertools import count, cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, Application  # noqa: E402

from bot.answering.engine import Engine  # noqa: E402
from bot.answering.ports import Message  # noqa: E402
from bot.app import load_knowledge, open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.config import Settings, load_settings  # noqa: E402
from bot.knowledge.base import KnowledgeBase  # noqa: E402
from handlers.telegram import build_application  # noqa: E402
from handlers.telegram.offline import FIXED_DATE, OfflineRequest  # noqa: E402

OFF_TOPIC = ("明天天气怎么样", "车辆质押贷款怎么办", "你好", "what is the weather like")
USERS = 1000  # distinct senders: a few messages each, so the flood limit (20 a minute) never applies
TOKEN = "123456789:" + "B" * 35
WARM_UP = 50
TELEGRAM_LIMIT = 30  # messages a second a bot may send overall (docs/benchmarks.md, engineering notes)


def questions(kb: KnowledgeBase) -> list[str]:
    """Each entry's first two phrasings plus a few off-topic questions: answers, clarifies, fallbacks."""
    return [q for entry in kb.entries.values() for q in entry.questions[:2]] + list(OFF_TOPIC)


def text_update(number: int, text: str) -> dict:
    user = 100_000 + number % USERS
    return {"update_id": number, "message": {
        "message_id": number, "date": FIXED_DATE, "text": text,
        "chat": {"id": user, "type": "private", "first_name": "Bench"},
        "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "zh-hans"},
    }}


def time_engine(engine: Engine, texts: list[str]) -> float:
    """Seconds for Engine.handle over `texts` (channel `test`, as internal as a benchmark should be)."""
    started = time.perf_counter()
    for number, text in enumerate(texts):
        engine.handle(Message("test", str(number % USERS), text))
    return time.perf_counter() - started


async def time_adapter(app: Application, updates: list[dict]) -> float:
    """Seconds for process_update over the updates, Update.de_json included (PTB does it on receipt)."""
    started = time.perf_counter()
    for data in updates:
        await app.process_update(Update.de_json(data, app.bot))
    return time.perf_counter() - started


async def compare(
    kb: KnowledgeBase, settings: Settings, texts: list[str], limited: int, rounds: int
) -> tuple[float, float, float, int]:
    """Median rates (per second) over `rounds` of the Engine alone, through the adapter with its rate
    limiter opened up and through the adapter as deployed (`limited` updates), alternating, so that a
    busy machine slows them alike; and the replies sent."""
    engine = Engine(kb, settings, open_db(":memory:"), SystemClock())
    request = OfflineRequest()
    app = build_application(settings, request=request, engine=engine, token=TOKEN)
    deployed = build_application(settings, request=request, engine=engine, token=TOKEN)
    # The bot's AIORateLimiter with no overall or group rate: the adapter's own cost, same code path.
    app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)
    await app.initialize()
    await deployed.initialize()
    numbers = count(1)
    time_engine(engine, texts[:WARM_UP])
    await time_adapter(app, [text_update(next(numbers), text) for text in texts[:WARM_UP]])
    request.clear()
    engine_times, adapter_times, deployed_times = [], [], []
    for _ in range(rounds):
        engine_times.append(time_engine(engine, texts))
        adapter_times.append(await time_adapter(app, [text_update(next(numbers), text) for text in texts]))
        deployed_times.append(
            await time_adapter(deployed, [text_update(next(numbers), text) for text in texts[:limited]]))
    await app.shutdown()
    await deployed.shutdown()
    return (len(texts) / statistics.median(engine_times), len(texts) / statistics.median(adapter_times),
            limited / statistics.median(deployed_times), len(request.sent("sendMessage")))


def knowledge_dir(args: argparse.Namespace, settings: Settings, scratch: Path) -> Path:
    if not args.fixture:
        return Path(args.knowledge) if args.knowledge else settings.knowledge_dir
    target = scratch / "knowledge"
    shutil.copytree(ROOT / "tests" / "data" / "kb_fixture", target)
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", target / "synonyms.yaml")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000, help="updates (and Engine calls) per round")
    parser.add_argument("--limited", type=int, default=120, help="updates per round through the deployed rate limiter")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median counts")
    parser.add_argument("--config", default=str(ROOT / "config.yaml"))
    parser.add_argument("--knowledge", help="knowledge directory (default: the config's)")
    parser.add_argument("--fixture", action="store_true", help="use the test fixture knowledge base")
    parser.add_argument("--quick", action="store_true", help="100 updates × 3 rounds (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.updates, args.limited, args.rounds = 100, 45, 3
    args.limited = min(args.limited, args.updates)
    if (args.updates + args.limited) * args.rounds + WARM_UP > USERS * 10:
        parser.error(f"at most {USERS * 10 - WARM_UP} updates in all, or the flood limit would be measured")
    settings = load_settings(args.config, environ={"BOT_DB_PATH": ":memory:"})
    with tempfile.TemporaryDirectory() as scratch:
        root = knowledge_dir(args, settings, Path(scratch))
        kb = load_knowledge(root)
        texts = list(islice(cycle(questions(kb)), args.updates))
        baseline, adapter, deployed, replies = asyncio.run(compare(kb, settings, texts, args.limited, args.rounds))
    print(f"knowledge: {root} ({len(kb.entries)} entries) · {args.updates} text updates"
          f" × {args.rounds} rounds, medians · {USERS} users")
    print(f"| path | per second | ms per update | × Telegram's {TELEGRAM_LIMIT} msg/s |")
    print("|---|---|---|---|")
    print(f"| Engine.handle (baseline) | {baseline:,.0f} | {1000 / baseline:.2f} |"
          f" {baseline / TELEGRAM_LIMIT:.1f} |")
    print(f"| Telegram process_update, offline Bot API, rate limiter opened up | {adapter:,.0f} |"
          f" {1000 / adapter:.2f} | {adapter / TELEGRAM_LIMIT:.1f} |")
    print(f"| the same as deployed (AIORateLimiter), {args.limited} updates a round | {deployed:,.1f} |"
          f" {1000 / deployed:.2f} | {deployed / TELEGRAM_LIMIT:.2f} |")
    print(f"adapter overhead: {1000 / adapter - 1000 / baseline:.2f} ms per update; "
          f"{replies} replies sent for {(args.updates + args.limited) * args.rounds} updates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
