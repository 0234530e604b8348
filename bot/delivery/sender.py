"""The sender interface every outbound channel implements (Telegram, WeCom), and its outcomes."""
from __future__ import annotations

from typing import Protocol


class DeliveryError(Exception):
    """A copy could not be delivered; subclasses say what to do next."""


class RecipientBlocked(DeliveryError):
    """The recipient blocked the bot or is outside the app's range: mark inactive, never retry."""


class RetryAfter(DeliveryError):
    """The platform asks us to wait `seconds` before sending again."""

    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds}s")
        self.seconds = seconds


class TransientError(DeliveryError):
    """A network or server hiccup: retry with backoff."""


class PermanentError(DeliveryError):
    """The platform refused this copy for good (bad request): report it as failed."""


class Sender(Protocol):
    """Delivers one text to one chat on one channel; raises a DeliveryError subclass on failure."""

    channel: str

    async def send(self, chat_id: str, text: str) -> None: ...
