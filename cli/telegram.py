"""`python run_bot.py telegram`: run the Telegram bot (long polling, or a webhook from config.yaml)."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import TYPE_CHECKING, Callable

from bot.common.config import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.common.settings_channels import WebhookSettings

# The updates the bot handles: messages, button presses, and being blocked or unblocked.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
FIRST_RETRY_SECONDS = 5  # while the Bot API cannot be reached: wait this long, doubling up to the maximum
MAX_RETRY_SECONDS = 300
BOOTSTRAP_FAILURE = "Network Retry Loop (Bootstrap Initialize Application)"


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot with TELEGRAM_BOT_TOKEN (long polling unless telegram.webhook is set)."""
    from bot.common.env import PTB_TIMEDELTA, set_default
    from bot.storage.store import require_salt
    from cli.database import announce_database
    from handlers.telegram.app import build_application
    from handlers.telegram.config import bot_token, webhook_secret

    token = bot_token()
    require_salt()
    # RetryAfter.retry_after as a timedelta: 22.x deprecates the int form and warns on every flood wait.
    set_default(PTB_TIMEDELTA, "1")
    webhook = settings.telegram.webhook
    secret = webhook_secret() if webhook else None
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    announce_database(settings)
    return serve(build_application(settings, token=token), webhook, secret)


def serve(application: Application, webhook: WebhookSettings | None, secret: str | None,
          sleep: Callable[[float], object] = time.sleep) -> int:
    """Run until stopped. While the Bot API cannot be reached, say so in one line and try again
    (FIRST_RETRY_SECONDS, doubling up to MAX_RETRY_SECONDS); a token it refuses ends with exit code 2."""
    import asyncio  # here: every run_bot.py command imports this module to register it

    from telegram.error import InvalidToken, NetworkError

    telegram_logger = logging.getLogger("telegram.ext")
    telegram_logger.addFilter(without_bootstrap_failures)
    wait = FIRST_RETRY_SECONDS
    try:
        while True:
            loop = asyncio.new_event_loop()  # a fresh loop per run: a failed run closes its own
            asyncio.set_event_loop(loop)
            try:
                run_once(application, webhook, secret)
                return 0
            except InvalidToken:
                print("telegram: the Bot API refuses TELEGRAM_BOT_TOKEN (check it with @BotFather)",
                      file=sys.stderr)
                return 2
            except NetworkError as exc:
                print(f"telegram: cannot reach the Telegram Bot API ({exc}); trying again in {wait:g} s",
                      file=sys.stderr, flush=True)
                sleep(wait)
                wait = min(wait * 2, MAX_RETRY_SECONDS)
            finally:
                loop.close()
    finally:
        telegram_logger.removeFilter(without_bootstrap_failures)


def run_once(application: Application, webhook: WebhookSettings | None, secret: str | None) -> None:
    """Poll (or serve the webhook) until stopped; start-up errors are raised, not retried."""
    if webhook:
        application.run_webhook(
            listen=webhook.listen, port=webhook.port, url_path=webhook.path, webhook_url=webhook.url,
            secret_token=secret, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=0,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=0)


def without_bootstrap_failures(record: logging.LogRecord) -> bool:
    """Drop python-telegram-bot's traceback of a failed start: serve says it in one line."""
    return not record.getMessage().startswith(BOOTSTRAP_FAILURE)


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("telegram", help=cmd_telegram.__doc__).set_defaults(run=cmd_telegram)
