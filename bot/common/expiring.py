"""What the bot keeps in memory per user for a while (the last exchange, a numbered offer): one store
with one expiry rule, so no caller grows without bound or keeps a value past its time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Generic, Hashable, TypeVar

V = TypeVar("V")
K = TypeVar("K", bound=Hashable)
MAX_KEYS = 10_000  # past this, expired values go, then (if all are recent) the oldest half


class ExpiringMap(Generic[K, V]):
    """Values kept with the time they were put; `get` returns one only within `ttl` of that time."""

    def __init__(self, ttl: timedelta, max_keys: int = MAX_KEYS) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._items: dict[K, tuple[datetime, V]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: K, value: V, at: datetime) -> None:
        """Keep `value` from `at`; a full store first sheds what has expired by then."""
        self._items[key] = (at, value)
        if len(self._items) >= self.max_keys:
            self.prune(at)

    def replace(self, key: K, value: V) -> None:
        """Change a kept value without renewing its time (no-op when the key is not kept)."""
        if key in self._items:
            self._items[key] = (self._items[key][0], value)

    def get(self, key: K, now: datetime) -> V | None:
        """The value if put within `ttl` before `now`."""
        item = self._items.get(key)
        return item[1] if item and now - item[0] <= self.ttl else None

    def latest(self, key: K) -> V | None:
        """The value however old (until pruned)."""
        item = self._items.get(key)
        return item[1] if item else None

    def pop(self, key: K) -> None:
        self._items.pop(key, None)

    def prune(self, now: datetime) -> None:
        """Drop what has expired; when everything is recent and the store is full, the oldest half."""
        self._items = {k: item for k, item in self._items.items() if now - item[0] <= self.ttl}
        if len(self._items) >= self.max_keys:
            oldest = sorted(self._items, key=lambda k: self._items[k][0])[: self.max_keys // 2]
            for key in oldest:
                del self._items[key]
