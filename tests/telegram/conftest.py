"""Fixtures for the Telegram tests: settings with a specialist and a flood limit, the offline bot."""
from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Settings, load_settings
from tg_harness import FLOOD_MESSAGES, SPECIALIST, start_bot


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path) -> Settings:
    """The shared test settings plus a specialist and the flood limit."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"db_path: {tmp_path / 'bot.db'}\nknowledge_dir: {kb_dir}\n"
        f"specialists:\n  telegram: [{SPECIALIST}]\n"
        f"telegram:\n  flood: {{messages: {FLOOD_MESSAGES}, per_seconds: 60}}\n",
        encoding="utf-8",
    )
    return load_settings(config, environ={})


@pytest_asyncio.fixture
async def tg(settings: Settings, engine, clock, monkeypatch: pytest.MonkeyPatch):
    """The bot over the fixture engine; fails the test on any handler error or Telegram limit breach."""
    monkeypatch.delenv("TELEGRAM_SPECIALISTS", raising=False)
    harness = await start_bot(settings, engine, clock)
    yield harness
    await harness.app.shutdown()
    harness.check_limits()
    assert harness.errors == []
