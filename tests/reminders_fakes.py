"""Test doubles for reminders: a scriptable Sender, firms to send to, a knowledge base with the facts."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.common.clock import ManualClock
from bot.delivery.sender import DeliveryError
from bot.firms.profiles import Profiles


@dataclass
class FakeSender:
    """Records (time, chat, text) per accepted message; raises scripted errors per chat, in order."""

    clock: ManualClock
    channel: str = "telegram"
    sent: list[tuple[datetime, str, str]] = field(default_factory=list)
    errors: dict[str, list[DeliveryError]] = field(default_factory=dict)
    calls: int = 0
    hang_after: int | None = None  # accept this many, then accept and never answer (a lost response)
    hung: int = 0

    async def send(self, chat_id: str, text: str) -> None:
        self.calls += 1
        scripted = self.errors.get(chat_id)
        if scripted:
            raise scripted.pop(0)
        self.sent.append((self.clock.now(), chat_id, text))
        if self.hang_after is not None and len(self.sent) > self.hang_after:
            self.hung += 1
            await asyncio.Event().wait()

    def chats(self) -> list[str]:
        return [chat for _, chat, _ in self.sent]


def add_firms(
    db,
    count: int,
    *,
    start: int = 1,
    now: datetime,
    channel: str = "telegram",
    notices: int = 1,
    language: str = "zh",
    **fields,
) -> list[str]:
    """`count` active firms (user hashes u<n>, chats <n>) with the given profile fields."""
    profiles = Profiles(db)
    users = []
    for number in range(start, start + count):
        user = f"u{number}"
        profiles.ensure(user, channel, str(number), language, now)
        profiles.update(user, now, notices=notices, **fields)
        users.append(user)
    return users


ROOT = Path(__file__).resolve().parent.parent
FIXTURE_KB = ROOT / "tests" / "data" / "kb_fixture"
REMINDER_FACTS = ROOT / "tests" / "data" / "reminders_facts.yaml"


def knowledge_with_reminder_facts(target: Path) -> Path:
    """A copy of the fixture knowledge base at `target` plus the facts deadlines need."""
    shutil.copytree(FIXTURE_KB, target)
    shutil.copy(ROOT / "knowledge" / "synonyms.yaml", target / "synonyms.yaml")
    facts = target / "facts.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8") + "\n" + REMINDER_FACTS.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return target
