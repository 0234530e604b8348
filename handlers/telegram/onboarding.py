"""/start (welcome, privacy notice, topic menu, the one-time profile questions) and /profile."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.profiles import Firm
from bot.vocab import INDUSTRIES, INDUSTRY_TITLES
from bot.texts import text
from bot.vocab import CITY, COUNTIES
from handlers.telegram.context import ensure_firm, services
from handlers.telegram.render import edit_text, rows, send_text, topic_keyboard

PROFILE_PATTERN = r"^p:[cin]:"
SKIP = "-"


def _with_skip(buttons: list[InlineKeyboardButton], step: str, lang: str) -> InlineKeyboardMarkup:
    skip = InlineKeyboardButton(text("skip", lang), callback_data=f"p:{step}:{SKIP}")
    return InlineKeyboardMarkup(rows(buttons, 3) + [[skip]])


def county_keyboard(lang: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(name, callback_data=f"p:c:{i}") for i, name in enumerate(COUNTIES)]
    buttons.append(InlineKeyboardButton(text("city", lang), callback_data=f"p:c:{CITY}"))
    return _with_skip(buttons, "c", lang)


def industry_keyboard(lang: str) -> InlineKeyboardMarkup:
    index = 1 if lang == "en" else 0
    buttons = [InlineKeyboardButton(INDUSTRY_TITLES[i][index], callback_data=f"p:i:{i}") for i in INDUSTRIES]
    return _with_skip(buttons, "i", lang)


def notices_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(text("notices_yes", lang), callback_data="p:n:1"),
        InlineKeyboardButton(text("notices_no", lang), callback_data="p:n:0"),
    ]])


def summary(firm: Firm, lang: str) -> str:
    """The profile in one line."""
    unset = text("not_set", lang)
    county = text("city", lang) if firm.county == CITY else firm.county or unset
    industry = INDUSTRY_TITLES[firm.industry][1 if lang == "en" else 0] if firm.industry else unset
    notices = text("notices_yes" if firm.notices else "notices_no", lang)
    return text("profile_summary", lang, county=county, industry=industry, notices=notices)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome with the privacy notice and topic menu; the first time, ask for the firm's profile."""
    firm, created = ensure_firm(services(context), update)
    lang, chat_id = firm.language, update.effective_chat.id
    welcome = "\n\n".join(text(key, lang) for key in ("welcome", "privacy", "not_legal_advice"))
    await send_text(context.bot, chat_id, welcome, topic_keyboard(lang))
    if created:
        await send_text(context.bot, chat_id, text("ask_county", lang), county_keyboard(lang))


async def profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the profile and walk through its questions again."""
    firm, _ = ensure_firm(services(context), update)
    lang = firm.language
    message = summary(firm, lang) + "\n\n" + text("ask_county", lang)
    await send_text(context.bot, update.effective_chat.id, message, county_keyboard(lang))


def _county(value: str) -> str | None:
    if value == CITY:
        return CITY
    return COUNTIES[int(value)] if value.isdigit() and int(value) < len(COUNTIES) else None


async def on_profile_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One profile answer (county → industry → notices); the message moves on to the next question."""
    svc, query = services(context), update.callback_query
    _, step, value = query.data.split(":", 2)
    firm, _ = ensure_firm(svc, update)
    lang, now = firm.language, svc.clock.now()
    await query.answer()
    if step == "c":
        county = _county(value)  # None for "skip" (and for anything unknown)
        if county:
            svc.profiles.update(firm.user, now, county=county)
        await edit_text(query, text("ask_industry", lang), industry_keyboard(lang))
    elif step == "i":
        if value in INDUSTRIES:
            svc.profiles.update(firm.user, now, industry=value)
        await edit_text(query, text("ask_notices", lang), notices_keyboard(lang))
    else:
        firm = svc.profiles.update(firm.user, now, notices=int(value == "1"))
        await edit_text(query, summary(firm, lang))


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("start", start, filters=private),
        CommandHandler("profile", profile, filters=private),
        CallbackQueryHandler(on_profile_button, pattern=PROFILE_PATTERN),
    ]
