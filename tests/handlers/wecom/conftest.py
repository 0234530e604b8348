"""Fixtures of the 微信客服 tests: a staffed Engine on a database file and the channel over the local fake."""
from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio
from kf_harness import STAFFED, KfChannel
from settings_helper import write_settings

from bot.answering.engine import Engine
from bot.app import open_db


@pytest.fixture
def kf_settings(tmp_path: Path, kb_dir: Path):
    return write_settings(tmp_path, kb_dir, STAFFED)


@pytest.fixture
def kf_engine(fixture_kb, kf_settings, clock) -> Engine:
    return Engine(fixture_kb, kf_settings, open_db(kf_settings.db_path), clock)


@pytest_asyncio.fixture
async def kf(kf_engine, kf_settings, clock):
    channel = await KfChannel.start(kf_engine, kf_settings, clock)
    yield channel
    await channel.close()
