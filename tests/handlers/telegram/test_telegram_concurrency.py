"""Updates are processed concurrently across users, in order for each user (a specialist's slow /stats
chart never makes the firms wait), through the Application's own update processor."""
from __future__ import annotations

import asyncio

import pytest
from telegram import Update
from tg_harness import FIRM, SPECIALIST

pytestmark = pytest.mark.asyncio


def _update(tg, user_id: int, number: int) -> Update:
    data = {"update_id": number, "message": tg.message(user_id, text="hi")}
    return Update.de_json(data, tg.app.bot)


async def test_other_users_are_served_while_one_update_is_slow_and_each_user_keeps_order(tg) -> None:
    processor = tg.app.update_processor
    slow_release, done = asyncio.Event(), []

    async def slow(name: str) -> None:
        await slow_release.wait()
        done.append(name)

    async def quick(name: str) -> None:
        done.append(name)

    await processor.initialize()
    first = asyncio.create_task(processor.process_update(_update(tg, SPECIALIST, 1), slow("stats chart")))
    await asyncio.sleep(0)
    same_user = asyncio.create_task(processor.process_update(_update(tg, SPECIALIST, 2), quick("specialist next")))
    other_user = asyncio.create_task(processor.process_update(_update(tg, FIRM, 3), quick("firm question")))
    await asyncio.wait_for(asyncio.shield(other_user), timeout=2)  # the firm does not wait for the chart
    assert done == ["firm question"]  # and the specialist's next update waits for their first
    slow_release.set()
    await asyncio.gather(first, same_user)
    assert done == ["firm question", "stats chart", "specialist next"]
    await processor.shutdown()


async def test_a_reply_refused_with_429_is_sent_again_after_the_wait(tg, monkeypatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as `run_bot.py telegram` sets it: RetryAfter in timedelta
    tg.request.fail(FIRM, 429, "Too Many Requests: retry after 1", retry_after=1)
    await tg.say(FIRM, "商标注册要多久")
    attempts = [c for c in tg.new("sendMessage") if c.params.get("chat_id") == FIRM]
    assert len(attempts) == 2 and "9个月" in attempts[-1].params["text"]
    assert tg.errors == []
