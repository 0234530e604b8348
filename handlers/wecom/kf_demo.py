"""`python run_bot.py wecom --fake`: the WeCom callback and its 微信客服 channel against the local fake of the
WeCom API (tests/wecom_kf_fake.py), in a terminal: you type as a firm in WeChat and see what it would see.

Lines: text as the firm writes it; `:scan 建阳区` opens the chat from a station's QR code (scene value);
`:click 商标续展` clicks a menu item of the last reply; `:staff /claim 1` speaks as the specialist
`staff_li` in the WeCom app (the demo puts staff_li on duty everywhere); `:wait 49` lets hours pass;
`:quit`. Nothing leaves the machine: the database is a temporary one.
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.answering.engine import Engine
from bot.app import load_knowledge, open_db
from bot.common.clock import ManualClock
from bot.common.config import Settings
from bot.common.settings_handoff import handoff_settings, specialists_settings

FIRM = "wmDemoFirm"

def staffed(settings: Settings, db_path: Path) -> Settings:
    """The settings with the demo's database and staff_li the specialist on duty everywhere."""
    specialists = specialists_settings({"wecom": ["staff_li"]}, {})
    return replace(settings, db_path=db_path, specialists=specialists,
                   handoff=handoff_settings({"duty": {"city": ["wecom:staff_li"]}}, specialists))


def _fake_modules() -> None:
    """The fake lives with the tests (a development checkout has them)."""
    tests = Path(__file__).resolve().parents[2] / "tests"
    if not (tests / "wecom_kf_fake.py").exists():
        raise SystemExit("wecom --fake needs the tests/ folder of a development checkout")
    sys.path.insert(0, str(tests))


async def demo(settings: Settings, lines: Iterable[str], say=print) -> None:
    """Run the demo over `lines` (stdin, or a script in tests), printing what the firm and staff see."""
    _fake_modules()
    from kf_harness import KfChannel

    clock = ManualClock(datetime.now(UTC))
    with tempfile.TemporaryDirectory() as tmp:
        demo_settings = staffed(settings, Path(tmp) / "demo.db")
        engine = Engine(load_knowledge(demo_settings.knowledge_dir), demo_settings, open_db(demo_settings.db_path),
                        clock)
        kf = await KfChannel.start(engine, demo_settings, clock)
        try:
            for line in lines:
                if not await _step(kf, clock, line.strip(), say):
                    break
        finally:
            await kf.close()


async def _step(kf, clock: ManualClock, line: str, say) -> bool:
    """One typed line; prints what reached the firm and the specialist meanwhile. False: quit."""
    command, _, rest = line.partition(" ")
    firm_before, staff_before = len(kf.api.seen_by(FIRM)), len(kf.api.texts_to("staff_li"))
    if command == ":quit":
        return False
    if command == ":scan":
        await kf.enters(FIRM, rest)
    elif command == ":click":
        try:
            await kf.clicks(FIRM, rest)
        except LookupError:
            say(f"（没有菜单项「{rest}」）")
    elif command == ":staff":
        say(f"[staff_li 企业微信] {await kf.peer.say('staff_li', rest)}\n")
    elif command == ":wait":
        clock.advance(timedelta(hours=float(rest or 1)))
    elif line:
        await kf.says(FIRM, line)
    for message in kf.api.texts_seen_by(FIRM)[firm_before:]:
        say(f"[微信] {message}\n")
    for message in kf.api.texts_to("staff_li")[staff_before:]:
        say(f"[staff_li 企业微信，通知] {message}\n")
    return True


def run_demo(settings: Settings) -> int:
    print(__doc__.split("\n\n", 1)[1], flush=True)

    def typed() -> Iterable[str]:
        while True:
            try:
                yield input("微信> ")
            except EOFError:
                return

    asyncio.run(demo(settings, typed()))
    return 0
