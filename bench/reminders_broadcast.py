#!/usr/bin/env python3
"""A 10,000-recipient broadcast under Telegram's limits (30 messages a second overall, one a second per
chat) on a simulated clock, beside the theoretical minimum (platform calls ÷ 30 per second).

    python bench/reminders_broadcast.py [--recipients 10000] [--per-second 30]

The whole path runs as in production: the broadcast is fired from the database on the loop's tick, the
delivery loop claims, spaces and records every copy, and python-telegram-bot sends it through the
offline Bot API of the tests; only the clock is a ManualClock that the loop's injectable sleep moves, so the simulated
durations are exact and the run takes seconds. Scenarios: a clean run; and one where 1 % of the
recipients have blocked the bot (403, never retried), 1 % hit a network error once (502, retried after
the backoff) and Telegram once asks to wait 5 s (429 retry_after) — its minimum adds those calls and
that wait (which replaces one 1/30 s gap).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402

from bench.firms import seed_firms  # noqa: E402
from bot.app import open_db  # noqa: E402
from bot.common.clock import ManualClock, simulated_sleep  # noqa: E402
from bot.common.schedule import When  # noqa: E402
from bot.common.settings_reach import DeliverySettings, RateLimit  # noqa: E402
from bot.delivery.dispatch import Dispatcher  # noqa: E402
from bot.delivery.outbox import BROADCAST, SENT, Audience, Creator, Outbox  # noqa: E402
from handlers.telegram.offline import OfflineRequest  # noqa: E402
from handlers.telegram.sender import TelegramSender  # noqa: E402

START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
TOKEN = "123456789:" + "D" * 35
SPECIALIST_CHAT = "9001"
RETRY_AFTER = 5


def prepared(path: Path, recipients: int):
    return seed_firms(open_db(path), recipients, START)


async def run(db, recipients: int, per_second: float, troubled: bool) -> tuple[float, float, int, dict]:
    """(simulated seconds to the last copy, theoretical minimum, platform calls, copies by status)."""
    clock = ManualClock(START)
    request = OfflineRequest()
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    await bot.initialize()
    extra_wait = 0.0
    if troubled:
        for n in range(0, recipients, 100):
            request.fail(100_000 + n, 403, "Forbidden: bot was blocked by the user")
            request.fail(100_000 + n + 50, 502, "Bad Gateway")
        request.fail(100_000 + recipients // 2 + 1, 429, "Too Many Requests", retry_after=RETRY_AFTER)
        extra_wait = RETRY_AFTER - 1 / per_second  # the wait replaces one spacing gap
    outbox = Outbox(db)
    outbox.create(
        kind=BROADCAST,
        text="【知识产权宣传周】南平市商标品牌指导站开放日，欢迎企业参加。",
        audience=Audience(),
        when=When(None),
        now=clock.now(),
        creator=Creator("telegram", SPECIALIST_CHAT, SPECIALIST_CHAT),
    )
    loop = Dispatcher(
        outbox,
        {"telegram": TelegramSender(bot)},
        clock,
        simulated_sleep(clock),
        limits={"telegram": RateLimit(per_second, 1)},
        settings=DeliverySettings(),
        on_tick=lambda now: sum(outbox.fire(b, now) is not None for b in outbox.due(now)),
    )
    await loop.run(until_idle=True)
    sends = [c for c in request.calls if c.method == "sendMessage"]
    to_firms = [c for c in sends if str(c.params["chat_id"]) != SPECIALIST_CHAT]
    last_copy = max(
        datetime.fromisoformat(r["sent_at"]) for r in db["outbox"].rows_where("status = ?", [SENT])
    )
    minimum = (len(to_firms) - 1) / per_second + extra_wait
    counts = {
        row["status"]: row["n"] for row in db.query("select status, count(*) n from outbox group by status")
    }
    await bot.shutdown()
    return (last_copy - START).total_seconds(), minimum, len(to_firms), counts


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--per-second", type=float, default=30)
    parser.add_argument("--quick", action="store_true", help="1,000 recipients (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.recipients = 1_000
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    print(
        f"{args.recipients:,} recipients, {args.per_second:g} messages/s overall, 1/s per chat,"
        " simulated clock\n"
    )
    print(
        "| scenario | platform calls | theoretical minimum | simulated duration | over the minimum"
        " | copies | wall time |"
    )
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for number, (label, troubled) in enumerate(
            (("clean", False), ("1 % blocked, 1 % network error, one 429", True))
        ):
            db = prepared(Path(tmp) / f"b{number}.db", args.recipients)
            started = time.perf_counter()
            simulated, minimum, calls, counts = await run(db, args.recipients, args.per_second, troubled)
            wall = time.perf_counter() - started
            statuses = ", ".join(f"{status} {n:,}" for status, n in sorted(counts.items()))
            print(
                f"| {label} | {calls:,} | {minimum:.1f} s | {simulated:.1f} s | "
                f"{(simulated / minimum - 1) * 100:+.2f} % | {statuses} | {wall:.1f} s |"
            )
            db.conn.close()
    print(
        f"\n{args.recipients:,} / {args.per_second:g} per second = {args.recipients / args.per_second:.1f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
