"""Specialists' text commands, the same on every channel: /reload and /stats (audited)."""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, time, timedelta, timezone

from bot import audit
from bot.clock import SHANGHAI, Clock, local_date
from bot.config import Settings
from bot.engine import Engine
from bot.kbcheck import check_knowledge
from bot.specialists import is_specialist
from bot.texts import text

log = logging.getLogger(__name__)

COMMANDS = ("reload", "stats")
MAX_PROBLEMS_SHOWN = 15


def parse_command(message: str) -> str | None:
    """The command named by `/reload`, `/stats` (a Telegram-style `@bot` suffix allowed), else None."""
    words = message.strip().split()
    if not words or not words[0].startswith("/"):
        return None
    name = words[0][1:].split("@", 1)[0].lower()
    return name if name in COMMANDS else None


def day_bounds(now: datetime) -> tuple[str, str]:
    """The UTC ISO bounds of the Asia/Shanghai calendar day containing `now` (events store UTC)."""
    start = datetime.combine(local_date(now), time(0), tzinfo=SHANGHAI)
    return (
        start.astimezone(timezone.utc).isoformat(timespec="seconds"),
        (start + timedelta(days=1)).astimezone(timezone.utc).isoformat(timespec="seconds"),
    )


class SpecialistCommands:
    """Runs a specialist command for one channel user; anyone else is refused (and logged)."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock

    async def run(self, name: str, channel: str, user_id: str, lang: str) -> str:
        """The reply to `/name` from `user_id`; a specialist's command is audited."""
        if not is_specialist(self.settings, channel, user_id):
            log.warning("refused /%s on %s for non-specialist %s", name, channel,
                        self.engine.events.user(channel, user_id))
            return text("not_allowed", lang)
        if name == "reload":
            reply, detail = await self.reload(lang)
        else:
            reply, detail = self.stats(lang)
        audit.record(self.engine.db, time=self.clock.now(), channel=channel, actor=user_id,
                     action=name, detail=detail)
        return reply

    async def reload(self, lang: str) -> tuple[str, dict]:
        """Re-read knowledge/; a broken base is refused with kb check's messages and the old one kept.

        The check runs in a worker thread (it takes a second or two on the full base) so the
        channel keeps answering; only the swap happens on the caller's thread.
        """
        kb, problems = await asyncio.to_thread(check_knowledge, self.settings.knowledge_dir)
        errors = [str(p) for p in problems if p.severity == "error"]
        if kb is None:
            shown = errors[:MAX_PROBLEMS_SHOWN]
            more = len(errors) - len(shown)
            lines = [text("reload_refused", lang, errors=str(len(errors))), *shown]
            if more:
                lines.append(text("more_problems", lang, count=str(more)))
            return "\n".join(lines), {"ok": False, "errors": len(errors)}
        self.engine.load(kb)
        warnings = len(problems)
        return (text("reload_done", lang, entries=str(len(kb.entries)), warnings=str(warnings)),
                {"ok": True, "entries": len(kb.entries), "warnings": warnings})

    def stats(self, lang: str) -> tuple[str, dict]:
        """Today's non-internal events by decision (or kind, for handoffs and feedback), split by channel."""
        now = self.clock.now()
        start, end = day_bounds(now)
        rows = self.engine.db.query(
            "select coalesce(decision, kind) as outcome, channel, count(*) as n from events "
            "where internal = 0 and time >= ? and time < ? group by outcome, channel order by outcome, channel",
            [start, end],
        )
        by_outcome: dict[str, dict[str, int]] = defaultdict(dict)
        for row in rows:
            by_outcome[row["outcome"]][row["channel"]] = row["n"]
        day = local_date(now).isoformat()
        if not by_outcome:
            return text("stats_empty", lang, day=day), {"day": day, "counts": {}}
        lines = [text("stats_header", lang, day=day)]
        for outcome, channels in by_outcome.items():
            split = " · ".join(f"{channel} {n}" for channel, n in channels.items())
            lines.append(f"{outcome} {sum(channels.values())} ({split})")
        total = sum(sum(c.values()) for c in by_outcome.values())
        lines.append(text("stats_total", lang, total=str(total)))
        counts = {outcome: sum(c.values()) for outcome, c in by_outcome.items()}
        return "\n".join(lines), {"day": day, "counts": counts}
