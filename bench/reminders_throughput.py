#!/usr/bin/env python3
"""Copies per second through the reminders' outbox pipeline with an instant offline sender, so that
the platform's limit, not our code, is the bottleneck.

    python bench/reminders_throughput.py [--copies 5000] [--concurrency 16] [--synchronous normal] [--quick]

Each row: a fresh SQLite file (WAL, busy timeout, as the bot opens it) with `--copies` firms; one
broadcast fanned out to all of them (timed apart), then delivered with no platform limits by the
delivery loop (bot/delivery/dispatch.py): claim before the call, record after, commits batched per round.
Rows: the baseline that commits every claim and every result on its own (concurrency 1), the batched
loop (--concurrency) with a sender that returns at once, and the same through python-telegram-bot's
real send path (TelegramSender over the offline Bot API of the tests). Every commit waits for the disk
(synchronous=FULL) unless `--synchronous normal`. Each rate is printed beside Telegram's limit of about
30 messages a second (how many times over the platform's ceiling the pipeline could go).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

TELEGRAM_LIMIT = 30  # messages a second a bot may send overall
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402

from bench.firms import seed_firms  # noqa: E402
from bot.app import open_db  # noqa: E402
from bot.common.clock import SystemClock  # noqa: E402
from bot.common.schedule import When  # noqa: E402
from bot.common.settings_reach import DeliverySettings, RateLimit  # noqa: E402
from bot.delivery.dispatch import Dispatcher  # noqa: E402
from bot.delivery.outbox import BROADCAST, Audience, Outbox  # noqa: E402
from bot.delivery.sender import Sender  # noqa: E402
from handlers.telegram.offline import OfflineRequest  # noqa: E402
from handlers.telegram.sender import TelegramSender  # noqa: E402

TOKEN = "123456789:" + "C" * 35
TEXT = "【知识产权宣传周】南平市商标品牌指导站开放日，欢迎企业参加。"


class InstantSender:
    """Accepts every message at once (the platform's cost taken out)."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, text: str) -> None:
        self.sent += 1


def prepared_db(path: Path, copies: int, synchronous: str):
    """A database with `copies` firms accepting notices and one broadcast fanned out to all of them."""
    db = open_db(path)
    db.execute(f"PRAGMA synchronous = {synchronous}")
    seed_firms(db, copies, datetime.now(UTC))
    return db


async def deliver(db, sender: Sender, concurrency: int) -> tuple[float, float, int]:
    """(fan-out seconds, delivery seconds, commits) for one broadcast to every firm."""
    outbox, clock = Outbox(db), SystemClock()
    broadcast = outbox.create(
        kind=BROADCAST, text=TEXT, audience=Audience(), when=When(None), now=clock.now()
    )
    started = time.perf_counter()
    outbox.fire(broadcast, clock.now())
    fanned = time.perf_counter()
    loop = Dispatcher(
        outbox,
        {"telegram": sender},
        clock,
        limits={"telegram": RateLimit(0, 0)},
        settings=DeliverySettings(concurrency=concurrency),
    )
    totals = await loop.run(until_idle=True)
    done = time.perf_counter()
    assert totals.sent == outbox.delivery(broadcast).delivered == db["outbox"].count, totals
    return fanned - started, done - fanned, totals.commits


async def offline_telegram() -> TelegramSender:
    request = OfflineRequest()
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    await bot.initialize()
    return TelegramSender(bot)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full")
    parser.add_argument("--quick", action="store_true", help="500 copies (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.copies = 500
    rows = [
        ("baseline: a commit per copy (concurrency 1)", InstantSender(), 1),
        (
            f"batched: one commit per round (concurrency {args.concurrency})",
            InstantSender(),
            args.concurrency,
        ),
        (
            "batched, python-telegram-bot send path (offline Bot API)",
            await offline_telegram(),
            args.concurrency,
        ),
    ]
    print(f"{args.copies} copies, SQLite WAL, synchronous={args.synchronous}\n")
    print(f"| pipeline | fan-out | delivery | copies/s | × Telegram's {TELEGRAM_LIMIT}/s | commits"
          " | copies per commit |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for number, (label, sender, concurrency) in enumerate(rows):
            db = prepared_db(Path(tmp) / f"bench{number}.db", args.copies, args.synchronous)
            fan_out, seconds, commits = await deliver(db, sender, concurrency)
            print(
                f"| {label} | {fan_out * 1000:.0f} ms | {seconds:.2f} s | {args.copies / seconds:,.0f} | "
                f"{args.copies / seconds / TELEGRAM_LIMIT:,.0f} | "
                f"{commits:,} | {args.copies / commits:.1f} |"
            )
            db.conn.close()
    print(
        f"\nTelegram allows about {TELEGRAM_LIMIT} messages a second: the pipeline is not the bottleneck"
        " while its ratio to that limit is ≫ 1."
    )


if __name__ == "__main__":
    asyncio.run(main())
