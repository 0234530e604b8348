"""Fixtures for the Telegram tests: settings with a specialist and a flood limit, the offline bot."""
from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio
from settings_helper import write_settings
from tg_harness import FLOOD_MESSAGES, SPECIALIST, start_bot

from bot.common.config import Settings


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path) -> Settings:
    """The shared test settings plus a specialist and the flood limit."""
    return write_settings(
        tmp_path, kb_dir,
        f"specialists:\n  telegram: [{SPECIALIST}]\n"
        f"telegram:\n  flood: {{messages: {FLOOD_MESSAGES}, per_seconds: 60}}\n",
    )


@pytest_asyncio.fixture
async def tg(settings: Settings, engine, clock):
    """The bot over the fixture engine; fails the test on any handler error or Telegram limit breach."""
    harness = await start_bot(settings, engine, clock)
    yield harness
    await harness.app.shutdown()
    harness.check_limits()
    assert harness.errors == []
