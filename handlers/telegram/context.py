"""What every Telegram feature module shares: the services, and who/what an update is about."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Awaitable, Callable

from telegram import Bot, Update
from telegram import Message as TgMessage
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ContextTypes

from bot.answering.ports import Message
from bot.app import Services
from bot.common.flood import FloodLimiter
from bot.common.settings_channels import TelegramSettings
from bot.common.settings_handoff import Specialists
from bot.firms import onboarding
from bot.firms.profiles import Firm
from bot.i18n.texts import text

CHANNEL = "telegram"
SERVICES_KEY = "services"


@dataclass
class TelegramServices(Services):
    """The core services (bot.app.Services) and what Telegram's handlers add: the channel's settings,
    who the specialists are and the per-user flood limit (kept in `application.bot_data`)."""

    config: TelegramSettings
    specialists: Specialists
    flood: FloodLimiter


def services(context: ContextTypes.DEFAULT_TYPE) -> TelegramServices:
    return context.application.bot_data[SERVICES_KEY]


def firm_key(svc: TelegramServices, update: Update) -> str:
    """The user's key in the firm tables (not the events' pseudonym: see docs/privacy.md)."""
    return svc.engine.events.firm(CHANNEL, str(update.effective_user.id))


def is_specialist(svc: TelegramServices, update: Update) -> bool:
    return svc.specialists.is_specialist(CHANNEL, update.effective_user.id)


def firm_of(svc: TelegramServices, update: Update) -> Firm | None:
    return svc.profiles.get(firm_key(svc, update))


def ensure_firm(svc: TelegramServices, update: Update) -> tuple[Firm, bool]:
    """The user's firm profile, created on first use with the client's language (True if new)."""
    user, chat_id, lang = firm_key(svc, update), str(update.effective_chat.id), telegram_language(update)
    return svc.profiles.ensure(user, CHANNEL, chat_id, lang, svc.clock.now())


def firm_view(svc: TelegramServices, update: Update) -> Firm:
    """The user's profile to show, without creating one: a blank, unsaved profile when there is none
    (first contact, or after /forget). Only storing an answer creates the firm (`ensure_firm`)."""
    return firm_of(svc, update) or onboarding.unsaved_firm(
        firm_key(svc, update), CHANNEL, str(update.effective_chat.id), telegram_language(update))


def telegram_language(update: Update) -> str:
    """zh or en from the user's Telegram client language (zh unless it is English)."""
    code = (update.effective_user.language_code or "") if update.effective_user else ""
    return "en" if code.lower().startswith("en") else "zh"


def language_of(svc: TelegramServices, update: Update, firm: Firm | None = None) -> str:
    """The language chosen with /lang, else the client's."""
    firm = firm or firm_of(svc, update)
    return firm.language if firm and firm.language else telegram_language(update)


def engine_message(svc: TelegramServices, update: Update, text: str) -> Message:
    """The Engine's Message for this update: language, county and industry from the profile (the
    client's language without one); specialists are internal."""
    return onboarding.engine_message(
        CHANNEL, str(update.effective_user.id), text, firm_of(svc, update),
        language=telegram_language(update), internal=is_specialist(svc, update),
    )


def is_private(update: Update) -> bool:
    return bool(update.effective_chat) and update.effective_chat.type == ChatType.PRIVATE


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def private_button(handler: Handler) -> Handler:
    """A button about the presser's own profile or data: pressed outside a private chat (its data forged
    into a group message) it is refused with a short alert and changes nothing."""
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if is_private(update):
            await handler(update, context)
        else:
            await update.callback_query.answer(text("private_only", language_of(services(context), update)))
    return guarded


def _mentions(message: TgMessage, username: str) -> bool:
    entities = message.parse_entities([MessageEntityType.MENTION]) or message.parse_caption_entities(
        [MessageEntityType.MENTION]
    )
    return any(value.lower() == f"@{username}".lower() for value in entities.values())


def addressed_to_bot(message: TgMessage, bot: Bot) -> bool:
    """In a private chat always; in a group only a command (not one meant for another bot), a
    mention of the bot or a reply to it."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    if message.text and message.text.startswith("/"):
        _, _, target = message.text.split(maxsplit=1)[0].partition("@")
        return not target or target.lower() == bot.username.lower()
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot.id:
        return True
    return _mentions(message, bot.username)


def without_mention(text: str, bot: Bot) -> str:
    """The text with the bot's @username removed (group messages that mention it)."""
    return re.sub(f"@{re.escape(bot.username)}", " ", text, flags=re.IGNORECASE).strip()
