"""Outbound WeCom: gettoken (cached) and message/send, as a bot.delivery.sender.Sender."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from bot.common.clock import Clock
from bot.common.settings_channels import WeComSettings
from bot.delivery.sender import PermanentError, RecipientBlocked, RetryAfter, TransientError
from bot.delivery.textsplit import split_text, utf8_size
from handlers.wecom.config import WeComCredentials

log = logging.getLogger(__name__)

API_BASE = "https://qyapi.weixin.qq.com/cgi-bin"
CHANNEL = "wecom"
TEXT_LIMIT_BYTES = 2048  # text and markdown content
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
DEFAULT_TOKEN_LIFETIME = 7200

SYSTEM_BUSY = -1
TOKEN_INVALID = frozenset({40014, 42001})  # invalid access_token, access_token expired
RECIPIENT_INVALID = frozenset({40003, 60111, 81013})  # invalid userid, no such user, all recipients invalid
RATE_LIMITED = frozenset({45009, 45033})  # call frequency, concurrency
IP_NOT_TRUSTED = 60020


class WeComClient:
    """Sends texts to WeCom users of one self-built app; raises bot.delivery.sender errors on failure."""

    channel = CHANNEL

    def __init__(
        self, corp_id: str, secret: str, agent_id: int, clock: Clock, *,
        transport: httpx.AsyncBaseTransport | None = None, base_url: str = API_BASE,
        timeout: float = 10.0, rate_limit_wait: float = 60.0,
    ) -> None:
        self.corp_id, self.agent_id, self.clock = corp_id, agent_id, clock
        self._secret = secret
        self._rate_limit_wait = rate_limit_wait
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/", transport=transport, timeout=timeout)
        self._token: str | None = None
        self._token_expires: datetime | None = None
        self._token_lock = asyncio.Lock()

    @classmethod
    def for_app(
        cls, credentials: WeComCredentials, options: WeComSettings, clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> WeComClient:
        """The client of one app with config.yaml's `wecom:` API base, request timeout and rate-limit wait:
        the one builder for the channel and `reminders run-once`; `transport` replaces the network in tests."""
        return cls(
            credentials.corp_id, credentials.secret, credentials.agent_id, clock, transport=transport,
            base_url=options.api_base, timeout=options.request_timeout_seconds,
            rate_limit_wait=options.rate_limit_wait_seconds,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, chat_id: str, text: str) -> None:
        """Send `text` to the user `chat_id`, split into pieces of at most 2,048 UTF-8 bytes."""
        await self._send_pieces(chat_id, "text", text)

    async def send_markdown(self, chat_id: str, text: str) -> None:
        """Send markdown (shown by the WeCom app, not by WeChat), split like text."""
        await self._send_pieces(chat_id, "markdown", text)

    async def access_token(self) -> str:
        """The cached access token, fetched again a few minutes before it expires."""
        async with self._token_lock:
            if self._token and self._token_expires and self.clock.now() < self._token_expires:
                return self._token
            data = await self._request("GET", "gettoken", params={"corpid": self.corp_id, "corpsecret": self._secret})
            self._raise_for_errcode(data, "gettoken")
            lifetime = timedelta(seconds=int(data.get("expires_in") or DEFAULT_TOKEN_LIFETIME))
            self._token = str(data["access_token"])
            self._token_expires = self.clock.now() + lifetime - TOKEN_REFRESH_MARGIN
            return self._token

    # ---- internals --------------------------------------------------------------------------

    async def _send_pieces(self, chat_id: str, msgtype: str, text: str) -> None:
        for piece in split_text(text, TEXT_LIMIT_BYTES, utf8_size):
            payload = {"touser": chat_id, "msgtype": msgtype, "agentid": self.agent_id, msgtype: {"content": piece}}
            data = await self._with_token("message/send", payload)
            if chat_id in _ids(data.get("invaliduser")) | _ids(data.get("unlicenseduser")):
                raise RecipientBlocked(f"{chat_id} is outside the app's visible range (or unlicensed)")
            self._raise_for_errcode(data, "message/send")

    async def _with_token(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the access token; on an expired or invalid token refresh it and retry once."""
        token = await self.access_token()
        data = await self._request("POST", path, params={"access_token": token}, json=payload)
        if data.get("errcode") in TOKEN_INVALID:
            log.info("wecom: access token refused (errcode %s); refreshing", data.get("errcode"))
            await self._forget_token(token)
            token = await self.access_token()
            data = await self._request("POST", path, params={"access_token": token}, json=payload)
        return data

    async def _forget_token(self, token: str) -> None:
        async with self._token_lock:
            if self._token == token:
                self._token = self._token_expires = None

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise TransientError(f"wecom {path}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise TransientError(f"wecom {path}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise PermanentError(f"wecom {path}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise TransientError(f"wecom {path}: response is not JSON") from None
        if not isinstance(data, dict):
            raise TransientError(f"wecom {path}: unexpected response")
        return data

    def _raise_for_errcode(self, data: dict[str, Any], path: str) -> None:
        code = data.get("errcode", 0)
        if code == 0:
            return
        message = f"wecom {path}: errcode {code} {data.get('errmsg', '')}".strip()
        if code in RECIPIENT_INVALID:
            raise RecipientBlocked(message)
        if code in RATE_LIMITED:
            raise RetryAfter(self._rate_limit_wait, message)
        if code == SYSTEM_BUSY or code in TOKEN_INVALID:
            raise TransientError(message)
        if code == IP_NOT_TRUSTED:
            raise PermanentError(message + " (add this server's IP to the app's trusted IPs)")
        raise PermanentError(message)


def _ids(value: Any) -> set[str]:
    """WeCom lists ids as 'a|b|c'."""
    return {part for part in str(value or "").split("|") if part}
