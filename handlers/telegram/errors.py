"""The application's error handler: log the failure with the update id, tell the user, keep running."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.i18n.texts import text
from handlers.telegram.context import telegram_language

logger = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every exception a handler raises ends here (PTB does not re-raise it)."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("telegram update %s failed: %r", update_id, context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        await _quietly(update.callback_query.answer())
    apology = text("error", telegram_language(update))
    await _quietly(context.bot.send_message(update.effective_chat.id, apology))


async def _quietly(call) -> None:
    """Await a Bot API call whose own failure must not hide the original error."""
    try:
        await call
    except TelegramError as exc:
        logger.warning("could not tell the user about the failure: %r", exc)
