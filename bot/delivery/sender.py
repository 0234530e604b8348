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


class SessionClosed(DeliveryError):
    """The platform's session rules refuse the message for now (微信客服: 5 messages within 48 h of the
    firm's last message, or a human servicer holds the session): keep it waiting and send it when the
    recipient next writes; never retry it before."""


class Sender(Protocol):
    """Delivers one text to one chat on one channel; raises a DeliveryError subclass on failure."""

    channel: str

    async def send(self, chat_id: str, text: str) -> None: ...


class KeyedSender(Sender, Protocol):
    """A sender whose platform takes our own message id (微信客服's msgid): `key` names the copy, so a
    send repeated after a crash cannot arrive twice."""

    async def send_keyed(self, key: str, chat_id: str, text: str) -> None: ...


async def send_once(sender: Sender, key: str, chat_id: str, text: str) -> None:
    """Send through `send_keyed` when the sender takes a key, else plainly."""
    keyed = getattr(sender, "send_keyed", None)
    if keyed is not None:
        await keyed(key, chat_id, text)
    else:
        await sender.send(chat_id, text)
