"""Telegram channel: a thin python-telegram-bot adapter over the Engine.

`from handlers.telegram import build_application`. The import is lazy so that `run_bot.py` can
list its subcommands without loading python-telegram-bot.
"""
from __future__ import annotations

from typing import Any

__all__ = ["build_application"]


def __getattr__(name: str) -> Any:
    if name == "build_application":
        from handlers.telegram.app import build_application

        return build_application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
