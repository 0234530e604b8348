"""The WeCom callback over HTTP (Starlette): URL check, signed encrypted messages, passive replies.

Every refusal has a status (403 forged or stale, 400 malformed, 408 too slow, 413 too large), a reason
counted and logged; nothing answers with a trace. The body is bounded in size and in read time, and
refused unless plain UTF-8 before any XML parser sees it (handlers/wecom/messages.py); the signature is
checked before decryption, de-duplication or the Engine. A text reply goes back passively inside WeCom's 5-second window;
what does not fit in one 2,048-byte message follows through the API, and so does a reply not ready within
REPLY_BUDGET_SECONDS (the passive reply is then 「处理中…」). Duplicate deliveries (WeCom retries) are
answered with the reply already given and never reach the Engine again.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Services
from bot.common.clock import Clock
from bot.common.settings_channels import WeComSettings
from bot.delivery.dispatch import Sleep
from bot.delivery.kf_store import CHANNEL as KF_CHANNEL
from bot.delivery.kf_store import KfStore
from bot.delivery.sender import DeliveryError, RetryAfter, Sender, TransientError
from bot.delivery.service import DeliveryService
from bot.delivery.textsplit import split_text, utf8_size
from bot.i18n.texts import text
from bot.storage.dedup import SeenDeliveries
from handlers.wecom.client import TEXT_LIMIT_BYTES
from handlers.wecom.config import WeComCredentials
from handlers.wecom.conversation import CHANNEL, Conversation
from handlers.wecom.crypto import ReceiverError, SignatureError, WeComCrypto, WeComCryptoError
from handlers.wecom.kf import KfConversation, KfPuller, KfSender
from handlers.wecom.kf_client import KfClient
from handlers.wecom.messages import (
    KF_EVENT,
    Inbound,
    MalformedXML,
    encrypted_envelope,
    encrypted_field,
    parse_inbound,
    text_reply,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286
API_ATTEMPTS = 4  # sends of a reply that follows through the API, when WeCom is busy or rate-limits
REPLY_BUDGET_SECONDS = 4.0  # WeCom gives up (and retries) after 5 s: later replies go through the API
QUERY_PARAMS = ("msg_signature", "timestamp", "nonce")


class Rejections:
    """Counts refused requests by reason and logs each with the running count."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def refuse(self, reason: str, status: int, detail: str = "") -> Response:
        self.counts[reason] += 1
        log.warning("wecom callback refused: %s%s (%d so far)", reason, f" ({detail})" if detail else "",
                    self.counts[reason])
        return PlainTextResponse(reason.replace("_", " "), status_code=status)


class Refused(Exception):
    """A request refused with an HTTP status and a counted reason."""

    def __init__(self, reason: str, status: int, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.status, self.detail = reason, status, detail


class WeComCallback:
    """The callback endpoints of one WeCom app, mountable in any Starlette app via `routes()`."""

    def __init__(
        self, crypto: WeComCrypto, conversation: Conversation, seen: SeenDeliveries, sender: Sender,
        delivery: DeliveryService, clock: Clock, timestamp_window: timedelta,
        body_read_seconds: float = WeComSettings.body_read_seconds, sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.crypto, self.conversation, self.seen, self.sender = crypto, conversation, seen, sender
        self.clock, self.window, self.body_read_seconds = clock, timestamp_window, body_read_seconds
        self.delivery = delivery  # sends the ticket notices an update queues (and the reminders)
        self.rejections = Rejections()
        self.duplicates = 0
        self.sleep = sleep
        self._pending: dict[str, asyncio.Task[str]] = {}  # delivery key → the reply being worked out
        self._deferred: dict[str, asyncio.Task[None]] = {}  # delivery key → its delivery through the API
        self.kf: KfPuller | None = None  # 微信客服: pulls what kf_msg_or_event announces
        conversation.forget_listeners.append(self._forget_deliveries)

    def routes(self, path: str) -> list[Route]:
        return [
            Route(path, self._guarded(self.url_check), methods=["GET"]),
            Route(path, self._guarded(self.receive), methods=["POST"]),
        ]

    # ---- endpoints --------------------------------------------------------------------------

    async def url_check(self, request: Request) -> Response:
        """GET: prove we hold the token and key by returning the decrypted echostr."""
        signature, timestamp, nonce = self._signed_params(request)
        # base64 has no spaces: a '+' that arrived unescaped was decoded as one
        echostr = request.query_params.get("echostr", "").replace(" ", "+")
        if not echostr:
            raise Refused("bad_params", 400, "no echostr")
        return PlainTextResponse(self._open(signature, timestamp, nonce, echostr))

    async def receive(self, request: Request) -> Response:
        """POST: one encrypted message or event; the reply is passive, encrypted XML."""
        signature, timestamp, nonce = self._signed_params(request)
        body = await self._body(request)
        try:
            encrypted = encrypted_field(body)
        except MalformedXML as exc:
            raise Refused("malformed_body", 400, str(exc)) from None
        try:
            inbound = parse_inbound(self._open(signature, timestamp, nonce, encrypted))
        except MalformedXML as exc:
            raise Refused("malformed_message", 400, str(exc)) from None
        if inbound.event == KF_EVENT:
            return self._kf_event(inbound)
        return await self._answer(inbound)

    def _kf_event(self, inbound: Inbound) -> Response:
        """微信客服 has new messages: the puller fetches them (kf/sync_msg); the callback answers at once,
        empty (a repeated event only means one more pull)."""
        if self.kf is None:
            log.warning("wecom: kf_msg_or_event for %s, but the kf channel is not wired", inbound.open_kfid)
        else:
            self.kf.notify(inbound.open_kfid, inbound.token)
        return Response(b"")

    # ---- steps ------------------------------------------------------------------------------

    def _signed_params(self, request: Request) -> tuple[str, str, str]:
        signature, timestamp, nonce = (request.query_params.get(name, "") for name in QUERY_PARAMS)
        missing = [name for name, value in zip(QUERY_PARAMS, (signature, timestamp, nonce)) if not value]
        if missing:
            raise Refused("bad_params", 400, "missing " + ", ".join(missing))
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
            raise Refused("bad_params", 400, "timestamp is not Unix seconds")
        return signature, timestamp, nonce

    async def _body(self, request: Request) -> bytes:
        """The request body, refused when it declares or passes MAX_BODY_BYTES (413) or takes longer than
        body_read_seconds to arrive (408)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise Refused("too_large", 413, f"declares {declared} bytes")
        received = bytearray()
        try:
            async with asyncio.timeout(self.body_read_seconds):
                async for chunk in request.stream():
                    received += chunk
                    if len(received) > MAX_BODY_BYTES:
                        raise Refused("too_large", 413, f"over {MAX_BODY_BYTES} bytes")
        except TimeoutError:
            raise Refused("slow_body", 408, f"not received within {self.body_read_seconds} s") from None
        return bytes(received)

    def _open(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """Verify the signature, then the timestamp's freshness, then decrypt."""
        try:
            self.crypto.verify(signature, timestamp, nonce, encrypted)
        except SignatureError:
            raise Refused("bad_signature", 403) from None
        age = abs(self.clock.now().timestamp() - int(timestamp))
        if age > self.window.total_seconds():
            raise Refused("stale_timestamp", 403, f"{age:.0f} s old")
        try:
            return self.crypto.decrypt(encrypted)
        except ReceiverError:
            raise Refused("wrong_receiver", 403) from None
        except WeComCryptoError as exc:
            raise Refused("undecryptable", 400, str(exc)) from None

    async def _answer(self, inbound: Inbound) -> Response:
        """The passive reply to a new delivery; a retry gets the reply already given. Work that outlasts
        the passive window is answered with 「处理中…」 and its result sent through the API."""
        key = inbound.delivery_key
        given = self.seen.reply_for(key)
        if given is not None:
            return self._duplicate(inbound, given)
        if key in self._pending:  # a retry while the first is still being answered: WeCom gave up on it
            return self._duplicate(inbound, self._defer(inbound))
        task = asyncio.create_task(self._conversation_reply(inbound))
        self._pending[key] = task
        if not await self._within_budget(task) or key in self._deferred:
            return self._passive(inbound, self._defer(inbound))
        del self._pending[key]
        first, *rest = split_text(task.result(), TEXT_LIMIT_BYTES, utf8_size) or [""]
        self.seen.remember(key, first, self._owner(inbound.from_user))
        follow_up = BackgroundTasks()
        if rest:
            follow_up.add_task(self._send_through_api, inbound.from_user, "\n".join(rest))
        follow_up.add_task(self.deliver_notices)  # what this message queued for others (tickets)
        return self._passive(inbound, first, follow_up)

    def _duplicate(self, inbound: Inbound, reply: str) -> Response:
        self.duplicates += 1
        log.info("wecom: duplicate delivery %s answered again (%d so far)", inbound.delivery_key, self.duplicates)
        return self._passive(inbound, reply)

    async def _within_budget(self, task: asyncio.Task[str]) -> bool:
        """Wait for `task` at most REPLY_BUDGET_SECONDS (through the injectable sleep); True if it is done."""
        timer = asyncio.ensure_future(self.sleep(REPLY_BUDGET_SECONDS))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        return task.done()

    def _defer(self, inbound: Inbound) -> str:
        """Hand the pending reply to `inbound` over to the API (once) and remember 「处理中…」 as the passive
        reply every retry gets; returns that text."""
        key, user_id = inbound.delivery_key, inbound.from_user
        working = text("wecom_working", self.conversation.language_of(user_id))
        if key not in self._deferred:
            log.info("wecom: %s outlasts the passive window: answering through the API", key)
            self.seen.remember(key, working, self._owner(user_id))
            self._deferred[key] = asyncio.create_task(self._deliver_later(key, user_id, self._pending[key]))
        return working

    async def _deliver_later(self, key: str, user_id: str, task: asyncio.Task[str]) -> None:
        """Send the deferred reply through the API when it is ready, then the ticket notices it queued."""
        try:
            reply = await task
            if reply:
                await self._send_through_api(user_id, reply)
        finally:
            self._pending.pop(key, None)
            self._deferred.pop(key, None)
        await self.deliver_notices()

    async def drain(self) -> None:
        """Wait until every deferred reply has been sent (tests; the app's shutdown)."""
        while self._deferred:
            await asyncio.gather(*self._deferred.values(), return_exceptions=True)

    def _owner(self, user_id: str) -> str:
        """Whose delivery a remembered reply is: the firm's pseudonym while it has a profile, so /forget
        can find it; none once erased (the reply to /forget itself) or for staff without a profile."""
        return self._pseudonym(user_id) if self.conversation.desk.firm(user_id) else ""

    def _forget_deliveries(self, user_id: str) -> None:
        for owner in self.conversation.engine.events.every_user(CHANNEL, user_id):  # under every salt
            self.seen.forget_owner(owner)

    def _pseudonym(self, user_id: str) -> str:
        return self.conversation.engine.events.user(CHANNEL, user_id)

    async def _conversation_reply(self, inbound: Inbound) -> str:
        """The conversation's reply; an internal error becomes an apology (logged), never silence."""
        try:
            return await self.conversation.respond(inbound)
        except Exception:
            log.exception("wecom: failed to answer %s", inbound.delivery_key)
            return text("error_reply", self.conversation.language_of(inbound.from_user))

    def _passive(self, inbound: Inbound, content: str, follow_up: BackgroundTasks | None = None) -> Response:
        """The encrypted passive reply, or an empty 200 when there is nothing to say."""
        if not content:
            return Response(b"", background=follow_up)
        timestamp, nonce = str(int(self.clock.now().timestamp())), str(secrets.randbelow(10**10))
        plain = text_reply(inbound.from_user, self.crypto.receive_id, int(timestamp), content)
        encrypted, signature = self.crypto.seal(plain, timestamp, nonce)
        body = encrypted_envelope(encrypted, signature, timestamp, nonce)
        return Response(body, media_type="application/xml", background=follow_up)

    async def _send_through_api(self, user_id: str, reply: str) -> None:
        """Send what the passive reply could not carry; a busy or rate-limited API is tried again (up to
        API_ATTEMPTS, waiting as asked or 2 s, 4 s …), a refusal is logged."""
        for attempt in range(1, API_ATTEMPTS + 1):
            try:
                await self.sender.send(user_id, reply)
                return
            except (TransientError, RetryAfter) as exc:
                if attempt == API_ATTEMPTS:
                    log.warning("wecom: gave up sending a reply after %d attempts: %s", attempt, exc)
                    return
                await self.sleep(exc.seconds if isinstance(exc, RetryAfter) else 2.0 ** attempt)
            except DeliveryError as exc:
                log.warning("wecom: could not send a reply through the API: %s", exc)
                return

    async def deliver_notices(self) -> None:
        """Send the ticket notices an update queued, on every channel this process serves (after the passive
        reply is on its way)."""
        try:
            await self.delivery.flush()
        except Exception:
            log.exception("wecom: delivering ticket notices failed")

    def _guarded(self, endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        """Refusals become their status; anything unexpected a logged, trace-free 500."""
        async def guarded(request: Request) -> Response:
            try:
                return await endpoint(request)
            except Refused as refused:
                return self.rejections.refuse(refused.reason, refused.status, refused.detail)
            except Exception:
                log.exception("wecom callback: unexpected error")
                return self.rejections.refuse("internal_error", 500)
        return guarded


def create_app(
    callback: WeComCallback, path: str, on_shutdown: Callable[[], Awaitable[None]] | None = None,
    on_startup: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """A Starlette app serving the callback at `path` and a /healthz probe."""
    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette):
        if on_startup:
            await on_startup()
        yield
        if on_shutdown:
            await on_shutdown()

    return Starlette(routes=[*callback.routes(path), Route("/healthz", health)], lifespan=lifespan)


def build_app(
    services: Services, credentials: WeComCredentials, options: WeComSettings,
    transport: httpx.AsyncBaseTransport | None = None, sleep: Sleep = asyncio.sleep,
) -> tuple[Starlette, WeComCallback]:
    """Wire the callback of one app over the core services, with the 微信客服 channel it also serves (kf
    events arrive on the same callback, pulled by `callback.kf`): the app's client and the kf sender are
    registered with the services' delivery service (run by the app's lifespan: reminders, broadcasts,
    ticket notices and the tickets' service levels); `transport` replaces the network in tests, `sleep`
    the callback's wait for a reply and the puller's wait while another process pulls."""
    clock = services.clock
    client = KfClient.for_app(credentials, options, clock, transport)
    services.add_sender(client)
    callback = WeComCallback(
        WeComCrypto(credentials.token, credentials.encoding_aes_key, credentials.corp_id),
        Conversation(services),
        SeenDeliveries(services.engine.db, CHANNEL, clock, timedelta(minutes=options.dedup_minutes)),
        client, services.delivery, clock, timedelta(seconds=options.timestamp_window_seconds),
        options.body_read_seconds, sleep,
    )
    kf_store = KfStore(services.engine.db)
    services.add_sender(KfSender(client, kf_store.msgid_prefix))
    callback.kf = puller = kf_puller(services, client, kf_store, sleep, callback.deliver_notices)
    services.desk.warn_if_unstaffed(CHANNEL)

    async def start() -> None:
        services.delivery.start()
        services.poller.start()
        await puller.catch_up()

    async def stop() -> None:
        await callback.drain()
        await puller.drain()
        await services.poller.stop()
        await services.delivery.stop()
        await client.aclose()

    return create_app(callback, options.path, on_shutdown=stop, on_startup=start), callback


def kf_puller(
    services: Services, client: KfClient, store: KfStore, sleep: Sleep,
    deliver_notices: Callable[[], Awaitable[None]],
) -> KfPuller:
    """The 微信客服 puller: its firms' messages answered by the Engine; a firm that writes reopens what
    waited for its session (its replies here; reminder copies and ticket notices in the outbox, whose
    notices name the firm's chat sealed); notices go right after each pass."""
    conversation = KfConversation(services)  # /forget erases its kf rows too (kf_store.forget_messages)
    events = services.engine.events

    def firm_wrote(chat_id: str) -> None:
        services.delivery.reopen(KF_CHANNEL, [chat_id, *events.every_seal(chat_id)])

    return KfPuller(store, client, conversation, services.clock, sleep=sleep, on_firm_wrote=firm_wrote,
                    after_pass=deliver_notices)
