"""An offline Bot API for tests and benchmarks: answers every call locally and records it.

Pass `OfflineRequest()` as `build_application(..., request=...)`; nothing touches the network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import count
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "知创助手", "username": "zhichuang_bot"}
FIXED_DATE = 1_795_500_000  # message dates in answers: fixed, so runs are reproducible
_SENDS_MESSAGE = {"sendMessage", "sendPhoto", "sendDocument", "sendSticker", "editMessageText",
                  "editMessageReplyMarkup", "editMessageCaption", "copyMessage", "forwardMessage"}


@dataclass(frozen=True)
class Call:
    """One Bot API call the bot made: its method name and parameters."""

    method: str
    params: dict[str, Any]
    result: Any = None


class OfflineRequest(BaseRequest):
    """A BaseRequest that never connects: it answers getMe, sends, edits and the rest from memory."""

    def __init__(self, bot_user: dict[str, Any] | None = None) -> None:
        self.bot_user = bot_user or BOT_USER
        self.calls: list[Call] = []
        self._message_ids = count(1000)
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        scripted = self._failures.get(str(params.get("chat_id")))
        if api_method in _SENDS_MESSAGE and scripted:
            status, error = scripted.pop(0)
            self.calls.append(Call(api_method, params, error))
            return status, json.dumps(error).encode()
        result = self._result(api_method, params)
        self.calls.append(Call(api_method, params, result))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method == "getUpdates":
            return []
        if method in _SENDS_MESSAGE:
            return self._message(params)
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id", 0)
        message = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": FIXED_DATE,
            "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
            "from": self.bot_user,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    # ---- for tests --------------------------------------------------------------------------

    def fail(self, chat_id: int | str, status: int, description: str, retry_after: int | None = None) -> None:
        """Answer the next message sent to `chat_id` with a Bot API error, as Telegram would: 403
        (blocked), 400 (bad request), 429 with `retry_after` (flood control), 5xx (server trouble)."""
        error: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            error["parameters"] = {"retry_after": retry_after}
        self._failures.setdefault(str(chat_id), []).append((status, error))

    def sent(self, *methods: str) -> list[Call]:
        """The recorded calls of the given methods (all sends and edits when none is named)."""
        wanted = set(methods) or {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto"}
        return [call for call in self.calls if call.method in wanted]

    def clear(self) -> None:
        self.calls.clear()
