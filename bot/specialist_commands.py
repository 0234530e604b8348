"""Specialists' commands, the same on every channel: /reload, /stats, /gaps, /reminders and
/cancel_reminder (refused to others, audited), and the ticket commands of the human handoff (/claim /reply
/close /draft /tickets, bot/handoff/desk.py; a firm's /close closes its own ticket)."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Iterable, Sequence

from bot.answering.engine import Engine
from bot.app import reload_knowledge
from bot.common.clock import Clock, local_date
from bot.common.config import Settings
from bot.common.settings_handoff import Staff
from bot.common.vocab import OUT_OF_SCOPE, SMALLTALK
from bot.handoff.desk import TICKET_COMMANDS, TicketDesk
from bot.i18n.texts import text, title
from bot.metrics.queries import Period, Summary, knowledge_gaps, summary, week_start
from bot.metrics.report import gaps_text, summary_text
from bot.metrics.tickets import TicketFigures, link_gaps, ticket_metrics
from bot.reach.broadcasts import BroadcastDesk
from bot.storage.audit import record_audit

log = logging.getLogger(__name__)

COMMANDS = ("reload", "stats", "gaps", "reminders", "cancel_reminder", *TICKET_COMMANDS)
FIRM_CLOSE = "close"  # the one of them a firm may use, for its own ticket
MAX_PROBLEMS_SHOWN = 15
GAP_DAYS = 30  # /gaps looks at the last month
GAP_LIMIT = 10
_OTHER_TOPICS = {OUT_OF_SCOPE: "stats_out_of_scope", SMALLTALK: "stats_smalltalk"}  # besides the IP topics


def parse_command(message: str, names: Iterable[str] = COMMANDS) -> tuple[str, list[str]] | None:
    """`/reload`, `/stats all` (a Telegram-style `@bot` suffix allowed) → (name, args) when the name
    is one of `names` (the specialists' commands unless told), else None."""
    words = message.strip().split()
    if not words or not words[0].startswith("/"):
        return None
    name = words[0][1:].split("@", 1)[0].lower()
    return (name, words[1:]) if name in names else None


def _topic_label(topic: str, lang: str) -> str:
    other = _OTHER_TOPICS.get(topic)
    return text(other, lang) if other else title("topic", topic, lang)


def _period_text(label: str, figures: Summary, tickets: TicketFigures, lang: str) -> str:
    """One period of /stats: the headline figures (satisfaction always with its response rate), topics
    and the handoff tickets."""
    topics = " · ".join(f"{_topic_label(t, lang)} {n}" for t, n in figures.topics.items())
    by_topic = text("stats_topics", lang, topics=topics or text("none", lang))
    return f"【{label}】{summary_text(figures, lang)}\n{by_topic}\n{_tickets_text(tickets, lang)}"


def _tickets_text(figures: TicketFigures, lang: str) -> str:
    first = figures.minutes_to_first_response
    return text("stats_tickets", lang, tickets=str(figures.tickets), answered=str(figures.answered),
                closed=str(figures.closed), escalated=str(figures.escalated),
                first=text("not_available", lang) if first is None else text("minutes", lang, n=f"{first:.0f}"))


def _version_detail(version: int | None) -> dict[str, int]:
    """The published knowledge version in an audit row (none while knowledge/ on disk is served)."""
    return {} if version is None else {"version": version}


class SpecialistCommands:
    """Runs a specialist command for one channel user; anyone else is refused (and logged)."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock, desk: TicketDesk) -> None:
        self.engine, self.settings, self.clock, self.desk = engine, settings, clock, desk
        self.specialists = settings.specialists

    def allowed(self, channel: str, user_id: str, name: str) -> bool:
        """True for a configured specialist; a refusal is logged with the user's pseudonym."""
        if self.specialists.is_specialist(channel, user_id):
            return True
        log.warning("refused /%s on %s for non-specialist %s", name, channel,
                    self.engine.events.user(channel, user_id))
        return False

    async def run(
        self, name: str, channel: str, user_id: str, lang: str, args: Sequence[str] = (), raw: str = ""
    ) -> str:
        """The reply to `/name args` (`raw`: the message as typed) from `user_id`; a specialist's command is
        audited (ticket actions by the desk itself)."""
        if name in TICKET_COMMANDS:
            return self.ticket_command(name, channel, user_id, lang, raw)
        if not self.allowed(channel, user_id, name):
            return text("not_allowed", lang)
        include_internal = bool(args) and args[0].lower() == "all"
        if name == "reload":
            reply, detail = await self.reload(lang)
        elif name == "gaps":
            reply, detail = self.gaps(lang, include_internal)
        elif name == "reminders":
            reply, detail = BroadcastDesk(self.engine.db, self.clock).scheduled_list(lang), None
        elif name == "cancel_reminder":
            desk = BroadcastDesk(self.engine.db, self.clock)
            reply, detail = desk.cancel(args[0] if args else "", lang)
        else:
            reply, detail = self.stats(lang, include_internal)
        record_audit(self.engine.db, time=self.clock.now(), channel=channel, actor=str(user_id),
                     action=name, detail=detail)
        return reply

    def ticket_command(self, name: str, channel: str, user_id: str, lang: str, raw: str) -> str:
        if name == FIRM_CLOSE and not self.specialists.is_specialist(channel, user_id):
            return self.desk.firm_command(channel, user_id, raw)
        if not self.allowed(channel, user_id, name):
            return text("not_allowed", lang)
        return self.desk.command(name, Staff(channel, user_id), raw)

    async def reload(self, lang: str) -> tuple[str, dict]:
        """Switch to the newest published knowledge version (knowledge/ on disk while none is published),
        as the version poll does (bot/app.py `reload_knowledge`); a broken base is refused with kb
        check's messages and the old one kept."""
        reloaded = await reload_knowledge(self.engine, self.settings)
        errors = [str(p) for p in reloaded.errors]
        if reloaded.kb is None:
            shown = errors[:MAX_PROBLEMS_SHOWN]
            lines = [text("reload_refused", lang, count=str(len(errors))), *shown]
            if len(errors) > len(shown):
                lines.append(text("more_problems", lang, count=str(len(errors) - len(shown))))
            return "\n".join(lines), {"ok": False, "errors": len(errors), **_version_detail(reloaded.version)}
        kb = reloaded.kb
        detail = {"ok": True, "entries": len(kb.entries), "facts": len(kb.facts.facts), **_version_detail(kb.version)}
        key = "reload_ok" if kb.version is None else "reload_ok_version"
        return text(key, lang, entries=str(detail["entries"]), facts=str(detail["facts"]), version=str(kb.version)), detail

    def stats(self, lang: str, include_internal: bool = False) -> tuple[str, dict]:
        """Today's and this week's figures (weeks from Monday); internal traffic left out unless asked."""
        today = local_date(self.clock.now())
        db, monday = self.engine.db, week_start(today)
        day = summary(db, today, today, include_internal)
        week = summary(db, monday, today, include_internal)
        scope = text("stats_all" if include_internal else "stats_public", lang)
        reply = "\n\n".join([
            _period_text(text("stats_today", lang), day, ticket_metrics(db, today, today, include_internal), lang),
            _period_text(text("stats_week", lang), week, ticket_metrics(db, monday, today, include_internal), lang),
            scope,
        ])
        return reply, {"today": day.questions, "week": week.questions, "all": include_internal}

    def gaps(self, lang: str, include_internal: bool = False) -> tuple[str, dict]:
        """The most frequent unanswered and 👎 questions of the last month, near-identical ones grouped."""
        today = local_date(self.clock.now())
        start = today - timedelta(days=GAP_DAYS - 1)
        found = knowledge_gaps(self.engine.db, start, today, GAP_LIMIT, include_internal=include_internal)
        found = link_gaps(self.engine.db, found, Period(start, today), include_internal)
        return gaps_text(found, start, today, lang), {"gaps": len(found), "all": include_internal}
