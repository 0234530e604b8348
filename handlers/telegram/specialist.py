"""IP specialists' commands: /stats, /gaps, /reload, /reminders, /cancel_reminder and the ticket commands
(bot/specialist_commands.py), in private chats only. Anyone else is refused and logged (a firm's /close closes its own ticket). /broadcast is a
flow of its own (handlers/telegram/reminders.py)."""
from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.common.clock import local_date
from bot.metrics.charts import ChartFontError, trend_chart_png
from bot.metrics.queries import last_weeks, summary
from bot.specialist_commands import COMMANDS, SpecialistCommands
from handlers.telegram.account import private_only
from handlers.telegram.context import CHANNEL, is_specialist, language_of, services
from handlers.telegram.render import send_text

SPECIALIST_COMMANDS = COMMANDS + ("broadcast",)  # for the command menus
TREND_WEEKS = 8
logger = logging.getLogger(__name__)


async def specialist_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [all], /gaps [all], /reload, /reminders, /cancel_reminder <id> and the ticket commands, through
    the channel-agnostic specialist commands; /stats also sends the weekly trend chart as a photo."""
    svc = services(context)
    typed = update.effective_message.text
    name = typed.split()[0][1:].split("@", 1)[0].lower()
    commands = SpecialistCommands(svc.engine, svc.settings, svc.clock, svc.desk)
    reply = await commands.run(name, CHANNEL, str(update.effective_user.id), language_of(svc, update),
                               context.args or (), raw=typed)
    await send_text(context.bot, update.effective_chat.id, reply)
    if name == "stats" and is_specialist(svc, update):
        await send_trend_chart(update, context)


async def send_trend_chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The last weeks' questions per week as a PNG (skipped, and logged, without a CJK font)."""
    svc = services(context)
    period = last_weeks(local_date(svc.clock.now()), TREND_WEEKS)
    figures = summary(svc.engine.db, period.start, period.end)
    font = svc.settings.metrics.chart_font
    try:
        png = await asyncio.to_thread(trend_chart_png, figures.weekly_questions, font, period.start, period.end)
    except ChartFontError as error:
        logger.warning("/stats chart skipped: %s", error)
        return
    await context.bot.send_photo(update.effective_chat.id, png)


def handlers() -> list[BaseHandler]:
    """Private chats only: in a group the command is refused in one line and nothing else is posted."""
    return [
        CommandHandler(list(COMMANDS), specialist_command, filters=filters.ChatType.PRIVATE),
        CommandHandler(list(COMMANDS), private_only, filters=filters.ChatType.GROUPS),
    ]
