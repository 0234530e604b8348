"""IP specialists' commands: /stats, /reload, /reminders, /cancel_reminder (bot/admin.py). Anyone else is
refused and logged. /broadcast is a flow of its own (handlers/telegram/reminders.py)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.admin import COMMANDS, SpecialistCommands
from handlers.telegram.context import CHANNEL, language_of, services
from handlers.telegram.render import send_text

SPECIALIST_COMMANDS = COMMANDS + ("broadcast",)  # for the command menus


async def specialist_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [all], /reload, /reminders, /cancel_reminder <id>, through the channel-agnostic commands."""
    svc = services(context)
    name = update.effective_message.text.split()[0][1:].split("@", 1)[0].lower()
    commands = SpecialistCommands(svc.engine, svc.settings, svc.clock)
    reply = await commands.run(name, CHANNEL, str(update.effective_user.id), language_of(svc, update), context.args or ())
    await send_text(context.bot, update.effective_chat.id, reply)


def handlers() -> list[BaseHandler]:
    return [CommandHandler(list(COMMANDS), specialist_command)]
