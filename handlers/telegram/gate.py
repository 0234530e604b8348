"""Runs before every feature: drops group chatter not meant for the bot, and applies the flood limit to messages."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes, TypeHandler

from bot.common.flood import Verdict
from bot.i18n.texts import text
from handlers.telegram.context import addressed_to_bot, language_of, services

logger = logging.getLogger(__name__)
GATE_GROUP = -2  # handler group that runs first (tickets take replies at -1, the features are group 0)


async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop updates not for the bot (and button presses without data or message); count messages (not
    button taps) against the user's flood window. Over the limit the user is told once per window; the
    rest of the window's messages are dropped."""
    message, query = update.message, update.callback_query
    if message is None and query is None:
        return
    if query is not None and (not query.data or query.message is None):
        await query.answer()  # no button of this bot: nothing to act on, no chat to answer in
        raise ApplicationHandlerStop
    if message is not None and not addressed_to_bot(message, context.bot):
        raise ApplicationHandlerStop
    if update.effective_user is None:
        raise ApplicationHandlerStop
    if message is None:  # a button tap: answers what the bot offered, never counted
        return
    svc = services(context)
    verdict = svc.flood.check(update.effective_user.id)
    if verdict is Verdict.ALLOW:
        return
    logger.info("flood limit: update %s dropped (%s)", update.update_id, verdict.value)
    if verdict is Verdict.WARN:
        await message.reply_text(text("flood", language_of(svc, update), seconds=str(round(svc.config.flood.per_seconds))))
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler]:
    return [TypeHandler(Update, gate)]
