"""A channel process in a child, for the two-process test of knowledge versions: an Engine over the shared
database with its KnowledgePoller running on a gated sleep, so the test says when a polling interval has
passed. Commands on stdin, one JSON line each on stdout:

    ask <question>  → {"answer": …, "version": …}
    tick            → the poll's sleep ends, one poll runs: {"slept": seconds, "version": …}

python tests/kb_channel_child.py CONFIG
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from bot.answering.ports import Message
from bot.app import KnowledgePoller, create_engine
from bot.common.config import load_settings


class GatedSleep:
    """The poller's sleep: each call waits until the test's `tick` lets it end."""

    def __init__(self) -> None:
        self.calls: asyncio.Queue[tuple[float, asyncio.Event]] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        ended = asyncio.Event()
        await self.calls.put((seconds, ended))
        await ended.wait()


def say(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


async def main(config: str) -> None:
    settings = load_settings(Path(config), environ={})
    engine = create_engine(settings)
    sleep = GatedSleep()
    poller = KnowledgePoller(engine, settings, sleep)
    poller.start()
    waiting = await sleep.calls.get()
    say(ready=True, version=engine.kb.version)
    loop = asyncio.get_running_loop()
    while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
        command, _, question = line.partition(" ")
        if command == "ask":
            say(answer=engine.handle(Message("wecom", "firm_a", question)).text, version=engine.kb.version)
        elif command == "tick":
            seconds, ended = waiting
            ended.set()
            waiting = await sleep.calls.get()  # asked again: the poll after that interval is done
            say(slept=seconds, version=engine.kb.version)
    await poller.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
