"""The one in-memory per-user store (bot/common/expiring.py): values expire, and it never grows past its size."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.common.expiring import ExpiringMap

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=30)


def test_a_value_is_returned_within_its_time_and_not_after() -> None:
    store: ExpiringMap[str, int] = ExpiringMap(TTL)
    store.put("firm", 1, T0)
    assert store.get("firm", T0 + TTL) == 1
    assert store.get("firm", T0 + TTL + timedelta(seconds=1)) is None
    assert store.latest("firm") == 1  # kept until pruned, for what needs the last value however old


def test_a_full_store_sheds_expired_values_first_then_the_oldest_half() -> None:
    store: ExpiringMap[int, str] = ExpiringMap(TTL, max_keys=4)
    store.put(1, "old", T0)
    store.put(2, "old", T0)
    later = T0 + TTL + timedelta(minutes=1)
    store.put(3, "new", later)
    store.put(4, "new", later)  # full: the two expired go
    assert (1 in store, 2 in store, len(store)) == (False, False, 2)
    store.put(5, "new", later + timedelta(seconds=1))
    store.put(6, "new", later + timedelta(seconds=2))  # full again, all recent: the oldest half goes
    assert sorted(k for k in range(1, 7) if k in store) == [5, 6]


def test_pop_forgets_a_key_that_was_never_there_without_error() -> None:
    store: ExpiringMap[str, int] = ExpiringMap(TTL)
    store.pop("never")
    store.put("firm", 1, T0)
    store.pop("firm")
    assert "firm" not in store and store.latest("firm") is None


def test_replacing_a_value_keeps_its_time() -> None:
    store: ExpiringMap[str, int] = ExpiringMap(TTL)
    store.put("firm", 1, T0)
    store.replace("firm", 2)
    store.replace("never", 3)  # nothing kept: nothing added
    assert store.get("firm", T0 + TTL) == 2 and store.get("firm", T0 + TTL + timedelta(seconds=1)) is None
    assert "never" not in store
