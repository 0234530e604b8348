"""/station and a shared location: thin calls to the Engine's station routing (bot/stations/referrals.py).

/station asks the topic (unless given: `/station 商标`), then the county when the profile has none
(callback data `st:<topic>` and `st:<topic>:<county>`, `*` for any topic, `-` for a skipped county).
The 去哪里办？ button under answers is an ordinary Engine choice (handlers/telegram/chat.py)."""
from __future__ import annotations

from dataclasses import replace

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.firms import onboarding
from bot.i18n.texts import text
from bot.stations.referrals import ANY_TOPIC, STATION_TOPICS, station_intent
from handlers.telegram.context import engine_message, firm_of, is_private, language_of, services
from handlers.telegram.onboarding import SKIP, option_rows
from handlers.telegram.render import edit_text, send_reply, send_text

STATION_PATTERN = r"^st:"


def _topic_keyboard(lang: str):
    return option_rows(onboarding.station_topic_options(lang), "st:", None, per_row=2)


def _county_keyboard(topic: str, lang: str):
    return option_rows(onboarding.county_options(lang), f"st:{topic}:", text("skip", lang))


async def station(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/station [topic]: the stations for a topic, asking what the profile does not say."""
    svc = services(context)
    lang = language_of(svc, update)
    topic = onboarding.topic_named(" ".join(context.args)) if context.args else None
    if topic in STATION_TOPICS:
        await _stations_or_county(update, context, topic)
    else:
        question = text("ask_station_topic", lang)
        await send_text(context.bot, update.effective_chat.id, question, _topic_keyboard(lang))


async def on_station_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A topic pressed (then the county is asked if unknown), or a county pressed (or skipped)."""
    query = update.callback_query
    await query.answer()
    _, topic, *county = query.data.split(":", 2)
    if topic != ANY_TOPIC and topic not in STATION_TOPICS:
        return  # an old or forged button: nothing to do
    if county:
        await _show(update, context, topic, None if county[0] == SKIP else county[0])
    else:
        await _stations_or_county(update, context, topic, edit=True)


async def _stations_or_county(
    update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str, edit: bool = False
) -> None:
    svc = services(context)
    firm = firm_of(svc, update)
    if firm and firm.county:
        await _show(update, context, topic)
        return
    lang = language_of(svc, update, firm)
    question, keyboard = onboarding.station_county_question(svc.engine, lang), _county_keyboard(topic, lang)
    if edit:
        await edit_text(update.callback_query, question, keyboard)
    else:
        await send_text(context.bot, update.effective_chat.id, question, keyboard)


async def _show(
    update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str, county: str | None = None
) -> None:
    """The Engine's stations for the topic; a county chosen here is used for this request only."""
    svc = services(context)
    message = engine_message(svc, update, "")
    if county:
        message = replace(message, county=county)
    reply = svc.engine.answer_intent(station_intent(topic), message)
    await send_reply(context.bot, update.effective_chat.id, reply)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location: the nearest stations (the position is never stored)."""
    svc, location = services(context), update.effective_message.location
    reply = svc.engine.stations_near(engine_message(svc, update, ""), location.latitude, location.longitude)
    quote = None if is_private(update) else update.effective_message.message_id
    await send_reply(context.bot, update.effective_chat.id, reply, reply_to=quote)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("station", station),
        CallbackQueryHandler(on_station_button, pattern=STATION_PATTERN),
        MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, on_location),
    ]
