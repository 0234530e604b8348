"""The Telegram implementation of bot.delivery.sender.Sender: python-telegram-bot's errors become ours."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.error import RetryAfter as TgRetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.sender import PermanentError, RecipientBlocked, RetryAfter, TransientError
from handlers.telegram.context import CHANNEL
from handlers.telegram.render import QUEUED, send_text


def retry_seconds(exc: TgRetryAfter) -> float:
    """RetryAfter's wait in seconds, whether PTB gives an int or (PTB_TIMEDELTA=1) a timedelta."""
    with warnings.catch_warnings():  # the int form is deprecated in 22.x; both forms are read here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@contextmanager
def delivery_errors() -> Iterator[None]:
    """python-telegram-bot's errors raised inside, as bot.delivery.sender's (for every Telegram delivery)."""
    try:
        yield
    except TgRetryAfter as exc:
        raise RetryAfter(retry_seconds(exc), str(exc)) from None
    except Forbidden as exc:  # blocked by the user, or the account is deactivated
        raise RecipientBlocked(str(exc)) from None
    except BadRequest as exc:  # chat not found, text refused …: retrying cannot help
        raise PermanentError(str(exc)) from None
    except NetworkError as exc:  # TimedOut included: try again later
        raise TransientError(str(exc)) from None
    except TelegramError as exc:
        raise PermanentError(str(exc)) from None


class TelegramSender:
    """Sends a text (HTML-escaped, split under 4,096 characters) to one Telegram chat."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, text: str) -> None:
        with delivery_errors():
            await send_text(self.bot, int(chat_id), text, retries=QUEUED)
