"""`python run_bot.py telegram`: run the Telegram bot (long polling, or a webhook from config.yaml)."""
from __future__ import annotations

import argparse
import logging
import os

from bot.config import Settings

# The updates the bot handles: messages, button presses, and being blocked or unblocked.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot with TELEGRAM_BOT_TOKEN (long polling unless telegram.webhook is set)."""
    from bot.store import require_salt
    from handlers.telegram.app import build_application
    from handlers.telegram.config import bot_token, telegram_config, webhook_secret

    token = bot_token(os.environ)
    require_salt(os.environ)
    # RetryAfter.retry_after as a timedelta: 22.x deprecates the int form and warns on every flood wait.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    webhook = telegram_config(settings).webhook
    secret = webhook_secret(os.environ) if webhook else None
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    application = build_application(settings, token=token)
    if webhook:
        application.run_webhook(
            listen=webhook.listen, port=webhook.port, url_path=webhook.path, webhook_url=webhook.url,
            secret_token=secret, allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("telegram", help=cmd_telegram.__doc__).set_defaults(run=cmd_telegram)
