"""Test harness: a real python-telegram-bot Application fed real Update JSON, offline."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.common.clock import simulated_sleep
from bot.common.config import Settings
from handlers.telegram import build_application
from handlers.telegram.offline import BOT_USER, FIXED_DATE, Call, OfflineRequest
from handlers.telegram.render import MAX_CALLBACK_BYTES, MAX_TEXT

FIRM = 1001  # an enterprise user
SPECIALIST = 9001  # listed under specialists.telegram in the test config
TOKEN = "123456789:" + "A" * 35
FLOOD_MESSAGES = 20


@dataclass
class Bot:
    """Drives the Application like Telegram would and shows what the bot sent back."""

    app: Application
    request: OfflineRequest
    errors: list[BaseException] = field(default_factory=list)
    _update_ids: Any = field(default_factory=lambda: count(1))
    _message_ids: Any = field(default_factory=lambda: count(1))
    _seen: int = 0

    # ---- sending updates --------------------------------------------------------------------

    async def process(self, data: dict[str, Any]) -> None:
        data = {"update_id": next(self._update_ids), **data}
        await self.app.process_update(Update.de_json(data, self.app.bot))

    @staticmethod
    def user(user_id: int, lang: str = "zh-hans") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Firm", "language_code": lang}

    @staticmethod
    def private(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": "Firm"}

    def message(self, user_id: int, chat: dict[str, Any] | None = None, lang: str = "zh-hans",
                **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": FIXED_DATE, "chat": chat or self.private(user_id),
                "from": self.user(user_id, lang), **content}

    async def say(self, user_id: int, text: str, chat: dict[str, Any] | None = None, lang: str = "zh-hans",
                  reply_to: Call | None = None, **extra: Any) -> None:
        """A text message (`reply_to`: as a reply to that bot message); a leading /command gets its
        bot_command entity as Telegram sends it."""
        content: dict[str, Any] = {"text": text, **extra}
        if reply_to is not None:
            content["reply_to_message"] = {**reply_to.result, "chat": chat or self.private(user_id)}
        if text.startswith("/"):
            content.setdefault("entities", []).insert(
                0, {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            )
        await self.process({"message": self.message(user_id, chat, lang, **content)})

    async def press(self, user_id: int, label: str, lang: str = "zh-hans", on: Call | None = None) -> Call:
        """Press the button labelled `label` on the latest bot message in the user's chat that has it
        (or on the message `on`)."""
        call, data = self.button(label, chat_id=user_id) if on is None else (on, button_data(on, label))
        message = {**call.result, "chat": self.private(user_id)}
        await self.process({"callback_query": {
            "id": str(next(self._update_ids)), "from": self.user(user_id, lang), "chat_instance": "c",
            "data": data, "message": message,
        }})
        return call

    # ---- what the bot sent ------------------------------------------------------------------

    def button(self, label: str, chat_id: int | None = None) -> tuple[Call, str]:
        """The latest message (in `chat_id`, if given) with a button labelled `label`, and its data."""
        for call in reversed(self.request.sent()):
            if chat_id is not None and str(call.params.get("chat_id")) != str(chat_id):
                continue
            for row in call.params.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return call, button["callback_data"]
        raise AssertionError(f"no button {label!r} was sent")

    def new(self, *methods: str) -> list[Call]:
        """Sends and edits since the last call of new()."""
        calls = self.request.calls[self._seen:]
        self._seen = len(self.request.calls)
        wanted = set(methods) or {"sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"}
        return [c for c in calls if c.method in wanted]

    def texts(self) -> list[str]:
        return [c.params["text"] for c in self.new("sendMessage", "editMessageText")]

    def check_limits(self) -> None:
        """Every text within 4,096 characters (UTF-16 units after HTML parsing, as Telegram counts) and
        every callback data within 64 bytes."""
        for call in self.request.sent():
            assert len(html.unescape(call.params.get("text", "")).encode("utf-16-le")) // 2 <= MAX_TEXT
            for row in call.params.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    assert 0 < len(button["callback_data"].encode()) <= MAX_CALLBACK_BYTES, button


def button_data(call: Call, label: str) -> str:
    """The callback data of the button labelled `label` on one sent message."""
    for row in call.params.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return button["callback_data"]
    raise AssertionError(f"no button {label!r} on that message")


def labels(call: Call) -> list[str]:
    """The button labels of one sent message, row by row flattened."""
    return [b["text"] for row in call.params.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def start_bot(settings: Settings, engine, clock) -> Bot:
    """The application without its background loop (post_init is not run): what an update queues for
    others is sent by the delivery service's pass after the update, waiting out the limits on `clock`."""
    request = OfflineRequest()
    app = build_application(settings, request=request, clock=clock, engine=engine, token=TOKEN,
                            sleep=simulated_sleep(clock))
    harness = Bot(app, request)

    async def record(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        harness.errors.append(context.error)

    app.add_error_handler(record)
    await app.initialize()
    harness.new()
    return harness


BOT_ID = BOT_USER["id"]
BOT_USERNAME = BOT_USER["username"]
