"""Odd updates never crash a Telegram handler: huge numbers, lone surrogates, callbacks without data or
message, impossible dates (issue 15 item 7). The `tg` fixture fails a test on any handler error."""
from __future__ import annotations

from typing import Any

import pytest
from tg_harness import FIRM, SPECIALIST

pytestmark = pytest.mark.asyncio

HUGE = "9" * 30
LONE = "\ud800"


def handler_errors(tg) -> list[str]:
    """The handler errors so far, taken off the harness (so that a failure shows in the test itself)."""
    errors = [repr(e) for e in tg.errors]
    tg.errors.clear()
    return errors


async def press_raw(tg, user_id: int, data: str | None, with_message: bool = True) -> None:
    """A callback query as Telegram may send it: any data, or none; with or without its message."""
    query: dict[str, Any] = {"id": "1", "from": tg.user(user_id), "chat_instance": "c"}
    if data is not None:
        query["data"] = data
    if with_message:
        query["message"] = tg.message(user_id, text="旧消息")
    await tg.process({"callback_query": query})


@pytest.mark.parametrize("user_id", [FIRM, SPECIALIST])
@pytest.mark.parametrize("data", [
    f"dl:x:{HUGE}", f"tk:c:{HUGE}", f"tk:x:{HUGE}", f"f:{HUGE}:u", f"bc:{HUGE}:x", f"a:{LONE}", f"t:{LONE}",
    f"p:c:{LONE}", f"st:{LONE}", LONE, "",
])
async def test_odd_callback_data_is_answered_without_error(tg, user_id: int, data: str) -> None:
    await press_raw(tg, user_id, data)
    assert handler_errors(tg) == []


@pytest.mark.parametrize("data", [None, "a:tm_duration", "ho", "x:y", "l:en", "f:1:u", "dl:x:1", "tk:c:1", "st:trademark"])
async def test_a_callback_without_data_or_message_is_ignored(tg, data: str | None) -> None:
    await press_raw(tg, FIRM, data, with_message=data is None)
    assert handler_errors(tg) == []


async def test_a_broadcast_menu_index_out_of_range_is_stale(tg) -> None:
    await tg.say(SPECIALIST, "/broadcast")
    await tg.say(SPECIALIST, "开放日通知")
    number = tg.button("按主题订阅 ▸", chat_id=SPECIALIST)[1].split(":")[1]
    await press_raw(tg, SPECIALIST, f"bc:{number}:t:{HUGE}")
    await press_raw(tg, SPECIALIST, f"bc:{number}:t")
    assert handler_errors(tg) == []


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31"])
async def test_a_deadline_far_from_today_is_refused(tg, typed: str) -> None:
    await tg.say(FIRM, f"/deadline 商标 {typed}")
    [said] = tg.texts()
    assert typed in said
    assert handler_errors(tg) == []


@pytest.mark.parametrize(("user_id", "command"), [
    (SPECIALIST, f"/claim {HUGE}"), (SPECIALIST, f"/reply {HUGE} 好的"), (FIRM, f"/close {HUGE}"),
    (FIRM, f"转人工 商标{LONE}"), (FIRM, f"/deadline 商标 2027-03-15 {LONE}"),
])
async def test_odd_commands_and_texts_get_a_reply(tg, user_id: int, command: str) -> None:
    await tg.say(user_id, command)
    assert tg.texts()
    assert handler_errors(tg) == []
