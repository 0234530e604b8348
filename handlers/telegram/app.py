"""The one place where the Telegram application is wired: services, feature handlers, command menus."""
from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application
from telegram.request import BaseRequest

from bot.answering.engine import Engine
from bot.app import build_services
from bot.common.clock import Clock, SystemClock
from bot.common.config import Settings
from bot.common.flood import FloodLimiter
from bot.delivery.dispatch import Sleep
from bot.firms.profiles import LANGUAGES
from bot.i18n.texts import text
from handlers.telegram import account, chat, gate, onboarding, reminders, specialist, stations, tickets
from handlers.telegram.config import bot_token
from handlers.telegram.context import CHANNEL, SERVICES_KEY, TelegramServices
from handlers.telegram.errors import on_error
from handlers.telegram.reminders import REMINDERS_KEY, Reminders
from handlers.telegram.sender import TelegramSender
from handlers.telegram.updates import PerUserUpdateProcessor

logger = logging.getLogger(__name__)

# Feature modules in matching order (the first handler that matches an update wins).
FEATURES = (onboarding, account, specialist, tickets, stations, reminders, chat)
PUBLIC_COMMANDS = (
    "start", "help", "topics", "station", "profile", "lang", "subscribe", "unsubscribe", "deadline", "mydeadlines",
    "forget",
)
COMMAND_TEXTS = {  # a command → its line in the command menu
    "start": "cmd_start", "help": "cmd_help", "topics": "cmd_topics", "station": "cmd_station",
    "profile": "cmd_profile", "lang": "cmd_lang", "subscribe": "cmd_subscribe", "unsubscribe": "cmd_unsubscribe",
    "forget": "cmd_forget", "stats": "cmd_stats", "gaps": "cmd_gaps", "reload": "cmd_reload",
    "tickets": "cmd_tickets", "claim": "cmd_claim", "reply": "cmd_reply", "close": "cmd_close", "draft": "cmd_draft",
    "deadline": "cmd_deadline", "mydeadlines": "cmd_mydeadlines", "broadcast": "cmd_broadcast",
    "reminders": "cmd_reminders", "cancel_reminder": "cmd_cancel_reminder",
}


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    *,
    token: str | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Application:
    """The python-telegram-bot Application over the Engine.

    `request` replaces the HTTP transport (tests pass an offline one); `token` defaults to
    TELEGRAM_BOT_TOKEN from the environment; `sleep` is the wait of the delivery service.
    """
    config = settings.telegram
    clock = clock or SystemClock()
    core = build_services(settings, clock, engine=engine, sleep=sleep)
    core.desk.warn_if_unstaffed(CHANNEL)
    builder = (
        Application.builder().token(token or bot_token()).post_init(on_start).post_stop(on_stop)
        .concurrent_updates(PerUserUpdateProcessor())
        .rate_limiter(AIORateLimiter(max_retries=0))  # replies ask for retries (render.send_text)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    core.add_sender(TelegramSender(application.bot), tickets.TelegramCourier(application.bot, core.desk))
    application.bot_data[SERVICES_KEY] = TelegramServices(
        **vars(core), config=config, specialists=settings.specialists, flood=FloodLimiter(config.flood, clock),
    )
    application.bot_data[REMINDERS_KEY] = Reminders(core.reminders, core.broadcasts, core.deadlines)
    application.add_handlers(gate.handlers(), group=gate.GATE_GROUP)
    application.add_handlers(tickets.intercept_handlers(), group=tickets.INTERCEPT_GROUP)
    for feature in FEATURES:
        application.add_handlers(feature.handlers())
    application.add_handlers(tickets.flush_handlers(), group=tickets.FLUSH_GROUP)
    application.add_error_handler(on_error)
    return application


async def on_start(application: Application) -> None:
    """When the bot runs: command menus, the delivery service (reminders, broadcasts, ticket notices,
    the tickets' service levels) and the poll for newly published knowledge."""
    await set_command_menus(application)
    services: TelegramServices = application.bot_data[SERVICES_KEY]
    services.delivery.start()
    services.poller.start()


async def on_stop(application: Application) -> None:
    """Let the messages in flight finish and be recorded."""
    services: TelegramServices = application.bot_data[SERVICES_KEY]
    await services.poller.stop()
    await services.delivery.stop()


def _commands(names: tuple[str, ...], lang: str) -> list[BotCommand]:
    return [BotCommand(name, text(COMMAND_TEXTS[name], lang)) for name in names]


async def set_command_menus(application: Application) -> None:
    """Command menus in Chinese (also the default) and English; specialists also see theirs."""
    bot = application.bot
    await bot.set_my_commands(_commands(PUBLIC_COMMANDS, "zh"))
    for lang in LANGUAGES:
        await bot.set_my_commands(_commands(PUBLIC_COMMANDS, lang), language_code=lang)
    services: TelegramServices = application.bot_data[SERVICES_KEY]
    everything = PUBLIC_COMMANDS + tuple(c for c in specialist.SPECIALIST_COMMANDS if c not in PUBLIC_COMMANDS)
    for user_id in sorted(services.specialists.of(CHANNEL)):
        try:
            scope = BotCommandScopeChat(int(user_id))
            await bot.set_my_commands(_commands(everything, "zh"), scope=scope)
            for lang in LANGUAGES:
                await bot.set_my_commands(_commands(everything, lang), scope=scope, language_code=lang)
        except (TelegramError, ValueError) as exc:
            logger.warning("could not set the specialist menu for %s: %r", user_id, exc)
