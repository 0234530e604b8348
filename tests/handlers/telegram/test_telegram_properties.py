"""Property-based tests of the Telegram callback parsers (Hypothesis, profiles in tests/handlers/telegram/conftest.py): any
button data, pressed by a firm or a specialist, is handled without a handler error; choice data round-trips
within Telegram's 64 bytes. Every callback reported in issue 15 is an @example."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_telegram_odd_input import handler_errors, press_raw
from tg_harness import FIRM, SPECIALIST

from handlers.telegram.render import MAX_CALLBACK_BYTES, intent_data, intent_from

HUGE = "9" * 30
PREFIXES = ("a:", "t:", "ah:", "ho", "f:", "l:", "s:+:", "s:-:", "x:", "st:", "p:c:", "p:i:", "p:n:", "tk:c:",
            "tk:x:", "bc:1:", "bc:1:t:", "dl:x:", "")
pieces = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=20), st.integers(-2**70, 2**70).map(str),
    st.sampled_from(["\ud800", HUGE, ":", "u", "d", "y", "trademark", "tm_duration", "where:tm_fee"]),
)
callback_data = st.tuples(st.sampled_from(PREFIXES), st.lists(pieces, max_size=3)).map(
    lambda parts: parts[0] + ":".join(parts[1])
)


@pytest.mark.asyncio
@given(data=st.one_of(st.none(), callback_data))
@example(data=None)
@example(data="")
@example(data=f"dl:x:{HUGE}")
@example(data=f"tk:c:{HUGE}")
@example(data=f"tk:x:{HUGE}")
@example(data=f"f:{HUGE}:u")
@example(data=f"bc:{HUGE}:x")
@example(data="a:\ud800")
@example(data="t:\ud800")
async def test_any_button_data_is_handled_without_error(tg, data: str | None) -> None:
    for user in (FIRM, SPECIALIST):
        await press_raw(tg, user, data)
        await press_raw(tg, user, data, with_message=False)
    assert handler_errors(tg) == []


entry_ids = st.from_regex(r"[a-z][a-z0-9_]{0,79}", fullmatch=True)


@given(entry_ids, st.sampled_from(["", "where:"]))
@example("tm_duration", "where:")
@example("x" * 80, "where:")
def test_choice_data_fits_and_round_trips(entry_id: str, prefix: str) -> None:
    data = intent_data(prefix + entry_id)
    assert 0 < len(data.encode()) <= MAX_CALLBACK_BYTES
    assert intent_from(data, [entry_id]) == prefix + entry_id
