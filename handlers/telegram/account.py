"""The firm's own commands: /help, /topics, /lang, /subscribe, /unsubscribe, /forget."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import app
from bot.common.vocab import IP_TOPICS
from bot.firms import onboarding
from bot.firms.profiles import LANGUAGES
from bot.i18n.texts import text, title
from handlers.telegram.context import (
    CHANNEL,
    TelegramServices,
    ensure_firm,
    firm_view,
    is_specialist,
    language_of,
    private_button,
    services,
)
from handlers.telegram.render import edit_text, rows, send_text, topic_keyboard

PERSONAL_COMMANDS = ("start", "profile", "lang", "subscribe", "unsubscribe", "forget")
LANG_PATTERN = r"^l:(zh|en)$"
SUBSCRIBE_PATTERN = r"^s:[+-]:[a-z_]+$"
FORGET_PATTERN = r"^x:[yn]$"


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    lang = language_of(svc, update)
    lines = [text("help", lang)] + ([text("help_specialist", lang)] if is_specialist(svc, update) else [])
    await send_text(context.bot, update.effective_chat.id, "\n\n".join(lines))


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language_of(services(context), update)
    await send_text(context.bot, update.effective_chat.id, text("choose_topic", lang), topic_keyboard(lang))


# ---- /lang ------------------------------------------------------------------------------------

async def lang_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lang en sets the language at once; /lang alone offers the two."""
    wanted = (context.args[0].lower() if context.args else "")
    if wanted in LANGUAGES:
        await _set_language(update, context, wanted)
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("中文", callback_data="l:zh"),
                                      InlineKeyboardButton("English", callback_data="l:en")]])
    lang = language_of(services(context), update)
    await send_text(context.bot, update.effective_chat.id, text("choose_language", lang), keyboard)


async def _set_language(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> None:
    svc = services(context)
    firm, _ = ensure_firm(svc, update)
    svc.profiles.update(firm.user, svc.clock.now(), language=lang)
    await send_text(context.bot, update.effective_chat.id, text("language_set", lang), topic_keyboard(lang))


async def on_language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await _set_language(update, context, update.callback_query.data[2:])


# ---- /subscribe, /unsubscribe -----------------------------------------------------------------

def _subscription_view(
    svc: TelegramServices, user: str, lang: str, adding: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The current subscriptions and the buttons to add (or remove) topics."""
    current = svc.profiles.subscriptions(user)
    status = onboarding.subscriptions_status(current, adding, lang)
    sign, mark = ("+", "➕ ") if adding else ("-", "✖ ")
    buttons = [
        InlineKeyboardButton(mark + title("topic", t, lang), callback_data=f"s:{sign}:{t}")
        for t in onboarding.offered_topics(current, adding)
    ]
    firm = svc.profiles.get(user)
    if firm is not None and firm.notices:  # broadcasts to every firm with notices: stoppable here too
        status += "\n" + text("notices_on", lang)
        if not adding:
            stop = InlineKeyboardButton(text("notices_stop", lang), callback_data=f"s:-:{onboarding.NOTICES}")
            buttons.append(stop)
    if not buttons:
        return status, None
    prompt = text("subscribe_choose" if adding else "unsubscribe_choose", lang)
    return f"{status}\n\n{prompt}", InlineKeyboardMarkup(rows(buttons, 2))


async def _show_subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE, adding: bool) -> None:
    svc = services(context)
    firm = firm_view(svc, update)
    message, keyboard = _subscription_view(svc, firm.user, firm.language, adding)
    await send_text(context.bot, update.effective_chat.id, message, keyboard)


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_subscriptions(update, context, adding=True)


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _show_subscriptions(update, context, adding=False)


async def on_subscription_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query = services(context), update.callback_query
    _, sign, topic = query.data.split(":")
    await query.answer()
    if topic not in IP_TOPICS and topic != onboarding.NOTICES:
        return
    firm, _ = ensure_firm(svc, update)
    if topic == onboarding.NOTICES:  # s:-:notices: stop the broadcasts to firms accepting notices
        svc.profiles.update(firm.user, svc.clock.now(), notices=int(sign == "+"))
    elif sign == "+":
        svc.profiles.subscribe(firm.user, topic, svc.clock.now())
    else:
        svc.profiles.unsubscribe(firm.user, topic)
    message, keyboard = _subscription_view(svc, firm.user, firm.language, adding=sign == "+")
    await edit_text(query, message, keyboard)


# ---- /forget ----------------------------------------------------------------------------------

async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation before erasing."""
    lang = language_of(services(context), update)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(text("forget_yes", lang), callback_data="x:y"),
                                      InlineKeyboardButton(text("forget_no", lang), callback_data="x:n")]])
    await send_text(context.bot, update.effective_chat.id, text("forget_confirm", lang), keyboard)


async def on_forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, query = services(context), update.callback_query
    lang = language_of(svc, update)
    await query.answer()
    if query.data == "x:y":
        app.forget(svc.engine, CHANNEL, str(update.effective_user.id))
        svc.flood.forget(update.effective_user.id)
        await edit_text(query, text("forget_done", lang))
    else:
        await edit_text(query, text("forget_cancelled", lang))


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language_of(services(context), update)
    await update.effective_message.reply_text(text("private_only", lang))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", help_command),
        CommandHandler("topics", topics),
        CommandHandler("lang", lang_command, filters=private),
        CommandHandler("subscribe", subscribe, filters=private),
        CommandHandler("unsubscribe", unsubscribe, filters=private),
        CommandHandler("forget", forget, filters=private),
        CommandHandler(PERSONAL_COMMANDS, private_only, filters=filters.ChatType.GROUPS),
        CallbackQueryHandler(private_button(on_language_button), pattern=LANG_PATTERN),
        CallbackQueryHandler(private_button(on_subscription_button), pattern=SUBSCRIBE_PATTERN),
        CallbackQueryHandler(private_button(on_forget_button), pattern=FORGET_PATTERN),
    ]
