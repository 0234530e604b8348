"""/start (welcome, privacy notice, topic menu, the one-time profile questions) and /profile.

The questions, their answers and the summary are bot/firms/onboarding.py's; this module only makes buttons
(callback data `p:<step letter>:<value>`, `-` to skip)."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.firms import onboarding
from bot.firms.onboarding import COUNTY, NOTICES, Option
from bot.i18n.texts import text
from handlers.telegram.context import ensure_firm, firm_of, firm_view, private_button, services
from handlers.telegram.render import edit_text, rows, send_text, topic_keyboard

STEP_CODES = {"c": onboarding.COUNTY, "i": onboarding.INDUSTRY, "n": onboarding.NOTICES}
_CODE_OF = {step: code for code, step in STEP_CODES.items()}
PROFILE_PATTERN = r"^p:[cin]:"
SKIP = "-"


def option_rows(
    options: list[Option], data_prefix: str, skip_label: str | None, per_row: int = 3
) -> InlineKeyboardMarkup:
    """Options `per_row` to a row (callback data `<prefix><value>`), then a skip button if labelled."""
    buttons = [InlineKeyboardButton(o.title, callback_data=data_prefix + o.value) for o in options]
    keyboard = rows(buttons, per_row)
    if skip_label:
        keyboard.append([InlineKeyboardButton(skip_label, callback_data=data_prefix + SKIP)])
    return InlineKeyboardMarkup(keyboard)


def step_keyboard(step: str, lang: str) -> InlineKeyboardMarkup:
    """The answers to one profile question; every step but the last can be skipped."""
    skip = None if step == NOTICES else text("skip", lang)
    return option_rows(onboarding.options(step, lang), f"p:{_CODE_OF[step]}:", skip)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome with the privacy notice and topic menu; until the firm has a profile, ask for it (the
    first answer stores it)."""
    svc = services(context)
    stored = firm_of(svc, update)
    firm = stored or firm_view(svc, update)
    lang, chat_id = firm.language, update.effective_chat.id
    await send_text(context.bot, chat_id, onboarding.welcome(lang), topic_keyboard(lang))
    if stored is None:
        await send_text(context.bot, chat_id, onboarding.question(COUNTY, lang), step_keyboard(COUNTY, lang))


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the profile and walk through its questions again."""
    firm = firm_view(services(context), update)
    lang = firm.language
    message = onboarding.summary(firm, lang) + "\n\n" + onboarding.question(COUNTY, lang)
    await send_text(context.bot, update.effective_chat.id, message, step_keyboard(COUNTY, lang))


async def on_profile_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One profile answer (county → industry → notices); the message moves on to the next question."""
    svc, query = services(context), update.callback_query
    _, code, value = query.data.split(":", 2)
    firm, _ = ensure_firm(svc, update)
    step = STEP_CODES[code]
    await query.answer()
    firm = onboarding.answer(svc.profiles, firm.user, step, None if value == SKIP else value, svc.clock.now())
    following = onboarding.next_step(step)
    if following:
        lang = firm.language
        await edit_text(query, onboarding.question(following, lang), step_keyboard(following, lang))
    else:
        await edit_text(query, onboarding.summary(firm, firm.language))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("profile", profile, filters=private),
        CallbackQueryHandler(private_button(on_profile_button), pattern=PROFILE_PATTERN),
    ]
