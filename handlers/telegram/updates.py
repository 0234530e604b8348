"""Concurrent updates with each user's kept in order: python-telegram-bot's update processor.

Different users' updates run side by side (a specialist's /stats chart, drawn off the event loop, no
longer holds up every firm); one user's updates still run one after another, in the order they came,
as the /broadcast ConversationHandler and the profile steps need.
"""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Hashable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 16


def _key(update: object) -> Hashable:
    """Whose update it is: the user, else the chat, else one shared key (ordered among themselves)."""
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` at once, but never two of the same user at the same time."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: dict[Hashable, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this user: forget the lock
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
