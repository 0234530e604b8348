"""IP specialists' commands: /stats and /reload. Anyone else is refused and the attempt is logged."""
from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.audit import record_audit
from bot.kbcheck import check_knowledge
from bot.stats import Counts, UsageStats, usage_stats
from bot.texts import text
from bot.vocab import OUT_OF_SCOPE, TOPIC_TITLES
from handlers.telegram.context import CHANNEL, is_specialist, language_of, services, user_hash
from handlers.telegram.render import send_text

logger = logging.getLogger(__name__)
SPECIALIST_COMMANDS = ("stats", "reload")
_OTHER_TOPICS = {OUT_OF_SCOPE: ("范围外", "out of scope"), "smalltalk": ("寒暄", "small talk")}


async def allowed(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> bool:
    """True for a configured specialist; anyone else gets "not allowed" and a log line."""
    svc = services(context)
    if is_specialist(svc, update):
        return True
    logger.warning(
        "refused /%s to non-specialist %s (update %s)", command, user_hash(svc, update), update.update_id
    )
    await update.effective_message.reply_text(text("not_allowed", language_of(svc, update)))
    return False


def _topic_label(topic: str, lang: str) -> str:
    titles = TOPIC_TITLES.get(topic) or _OTHER_TOPICS.get(topic) or (topic, topic)
    return titles[1 if lang == "en" else 0]


def _period(label: str, counts: Counts, lang: str) -> str:
    topics = " · ".join(f"{_topic_label(t, lang)} {n}" for t, n in counts.topics.items())
    return text(
        "stats_period", lang, label=label, since=counts.since.date().isoformat(),
        questions=str(counts.questions), topics=topics or text("none", lang),
        **{d: str(n) for d, n in counts.decisions.items()}, handoffs=str(counts.handoffs),
        up=str(counts.feedback["up"]), down=str(counts.feedback["down"]),
    )


def format_stats(stats: UsageStats, lang: str) -> str:
    """Today's and this week's figures as one message."""
    scope = text("stats_all" if stats.include_internal else "stats_public", lang)
    return "\n\n".join([
        _period(text("stats_today", lang), stats.today, lang),
        _period(text("stats_week", lang), stats.week, lang),
        scope,
    ])


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: today's and this week's counts without internal traffic; /stats all with it."""
    if not await allowed(update, context, "stats"):
        return
    svc = services(context)
    include_internal = bool(context.args) and context.args[0].lower() == "all"
    figures = usage_stats(svc.engine.db, svc.clock.now(), ZoneInfo(svc.settings.timezone), include_internal)
    await send_text(context.bot, update.effective_chat.id, format_stats(figures, language_of(svc, update)))


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: re-read knowledge/; a broken base is refused with kb check's messages and the
    running one is kept. Either way the attempt goes to the audit table."""
    if not await allowed(update, context, "reload"):
        return
    svc = services(context)
    lang = language_of(svc, update)
    kb, problems = await asyncio.to_thread(check_knowledge, svc.settings.knowledge_dir)
    errors = [str(p) for p in problems if p.severity == "error"]
    if kb is None:
        detail = {"ok": False, "errors": len(errors)}
        message = "\n".join([text("reload_refused", lang, count=str(len(errors))), *errors])
    else:
        svc.engine.load(kb)
        detail = {"ok": True, "entries": len(kb.entries), "facts": len(kb.facts.facts)}
        message = text("reload_ok", lang, entries=str(detail["entries"]), facts=str(detail["facts"]))
    record_audit(svc.engine.db, time=svc.clock.now(), channel=CHANNEL, actor=str(update.effective_user.id),
                 action="reload", detail=detail)
    logger.info("/reload by specialist %s: %s", update.effective_user.id, detail)
    await send_text(context.bot, update.effective_chat.id, message)


def handlers() -> list[BaseHandler]:
    return [CommandHandler("stats", stats), CommandHandler("reload", reload)]
