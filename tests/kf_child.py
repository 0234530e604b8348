"""A kf puller in a child process, for the crash tests: one pass over the fake's account, whose state
lives in a file; the fake SIGKILLs this process where the test asks (`endpoint:n`).

python tests/kf_child.py CONFIG STATE_FILE KILL_AT START_ISO
"""
from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from kf_pullers import puller_over
from wecom_kf_fake import KFID, FakeKfAPI

from bot.answering.engine import Engine
from bot.app import load_knowledge, open_db
from bot.common.clock import ManualClock
from bot.common.config import load_settings


async def main(config: str, state: str, kill_at: str, start: str) -> None:
    settings = load_settings(Path(config), environ={})
    clock = ManualClock(datetime.fromisoformat(start))
    engine = Engine(load_knowledge(settings.knowledge_dir), settings, open_db(settings.db_path), clock)
    api = FakeKfAPI(clock=clock, state_file=Path(state))
    api.load()
    endpoint, _, count = kill_at.partition(":")
    api.kill_after = {endpoint: int(count)}
    puller = puller_over(engine, settings, clock, api, holder="child")
    assert await puller.run_pass(KFID)
    api.save()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
