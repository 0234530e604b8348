"""The 微信客服 channel (`wecom_kf`): firms on plain WeChat, answered by the same Engine.

The self-built app's callback announces new messages with `kf_msg_or_event` (a token and the kf account);
`KfPuller` then follows `kf/sync_msg` from the cursor kept in the database, under a lease so that one
process at a time pulls an account (bot/delivery/kf_store.py), answers each message once by its msgid and
sends the answers with msgids derived from it: a crash at any point loses nothing and never answers twice.

A firm is `<open_kfid>:<external_userid>` (its chat id and user id): the kf account is needed to reply.
Choices go out as clickable menus (`msgmenu`, item id = the option's number, so a click comes back as the
number typed); more than 10 options, or texts too long for a menu, fall back to numbered lines.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from bot.answering.engine import Engine
from bot.app import Services
from bot.common.clock import Clock
from bot.common.vocab import canonical_county
from bot.delivery.kf_store import CHANNEL as KF_CHANNEL
from bot.delivery.kf_store import Inboxed, KfStore, LeaseLost, Outgoing, reply_msgid
from bot.delivery.outbox import FAILED, SENT, WAITING
from bot.delivery.sender import DeliveryError, RetryAfter, SessionClosed, TransientError
from bot.delivery.textsplit import split_text, utf8_size
from bot.firms.onboarding import INDUSTRY, welcome
from bot.i18n.texts import text, title
from bot.stations.directory import stations_of
from handlers.wecom.account import DEADLINE, SUBSCRIBE
from handlers.wecom.conversation import Conversation
from handlers.wecom.kf_client import SYNC_LIMIT, KfClient
from handlers.wecom.messages import Inbound, position
from handlers.wecom.prompt import Prompt, render

log = logging.getLogger(__name__)

CUSTOMER, SYSTEM = 3, 4  # a message's origin: the WeChat user, or a system event (5: a servicer)
ENTER_SESSION = "enter_session"
TEXT_LIMIT_BYTES = 2048  # a kf text message
MENU_HEAD_BYTES = MENU_TAIL_BYTES = 1024
MENU_ITEMS, MENU_ITEM_BYTES = 10, 128
LEASE = timedelta(seconds=60)  # a puller that dies leaves the account to another after this
BUSY_RETRY_SECONDS = 2.0  # the account is being pulled elsewhere: look again after this

Sleep = Callable[[float], Awaitable[None]]


def chat_of(open_kfid: str, external_userid: str) -> str:
    return f"{open_kfid}:{external_userid}"


def split_chat(chat_id: str) -> tuple[str, str]:
    open_kfid, _, external_userid = chat_id.partition(":")
    return open_kfid, external_userid


def user_of(message: dict[str, Any]) -> str:
    """The firm a pulled message is from (events carry it inside)."""
    event = message.get("event") or {}
    return chat_of(str(message.get("open_kfid") or event.get("open_kfid", "")),
                   str(message.get("external_userid") or event.get("external_userid", "")))


def inbound_of(message: dict[str, Any]) -> Inbound | None:
    """A pulled message as the conversation's Inbound: the firm's messages and its enter-session event;
    None for what needs no answer (a servicer's own messages, other system events)."""
    msgtype, origin = str(message.get("msgtype", "")), message.get("origin")
    base = Inbound(msgtype, user_of(message), str(message.get("open_kfid", "")),
                   str(message.get("send_time", "")), str(message.get("msgid", "")))
    event_type = (message.get("event") or {}).get("event_type")
    if origin == SYSTEM and msgtype == "event" and event_type == ENTER_SESSION:
        return replace(base, event=ENTER_SESSION, event_key=str(message["event"].get("scene_param") or ""))
    if origin != CUSTOMER:
        return None
    if msgtype == "text":
        return replace(base, content=str((message.get("text") or {}).get("content", "")))
    if msgtype == "location":
        place = message.get("location") or {}
        return replace(base, location=position(place.get("latitude"), place.get("longitude")))
    return base  # image, voice, video, file, link …: the "text only" reply


def text_bodies(said: str) -> list[dict[str, Any]]:
    pieces = split_text(said, TEXT_LIMIT_BYTES, utf8_size)
    return [{"msgtype": "text", "text": {"content": piece}} for piece in pieces]


def bodies_of(prompt: Prompt) -> list[dict[str, Any]]:
    """A reply as kf messages: text within 2,048 bytes a message; options as clickable menus of up to 10
    items (ids are the numbers), with the text before them when it is too long for a menu's head.
    Titles too long for a menu item fall back to numbered lines."""
    tail = "\n".join(line for line in (
        text("rate_answer", prompt.language) if prompt.rated is not None else "", prompt.note) if line)
    items = [(str(n), option.title) for n, option in enumerate(prompt.options, start=1)]
    if prompt.skippable:
        items.append(("0", text("skip", prompt.language)))
    titles_fit = all(utf8_size(title) <= MENU_ITEM_BYTES for _, title in items)
    fits = titles_fit and utf8_size(tail) <= MENU_TAIL_BYTES
    if not items or not fits:
        return text_bodies(render(prompt))
    pieces = split_text(prompt.text, TEXT_LIMIT_BYTES, utf8_size) or [""]
    head = pieces.pop() if utf8_size(pieces[-1]) <= MENU_HEAD_BYTES else ""
    groups = [items[start:start + MENU_ITEMS] for start in range(0, len(items), MENU_ITEMS)]
    menus = [{"msgtype": "msgmenu", "msgmenu": {
        "head_content": head if number == 0 else "",
        "list": [{"type": "click", "click": {"id": item_id, "content": title}} for item_id, title in group],
        "tail_content": tail if number == len(groups) - 1 else "",
    }} for number, group in enumerate(groups)]
    return [*(text_bodies("\n".join(pieces)) if pieces else []), *menus]


class KfConversation:
    """What the kf channel says: the WeCom conversation under its own channel id, plus the enter-session
    welcome that knows the county from the QR code's scene, and menu clicks read as the number chosen."""

    def __init__(self, services: Services) -> None:
        self.conversation = Conversation(services, KF_CHANNEL)
        self.engine, self.clock = services.engine, services.clock

    def awaits(self, message: dict[str, Any]) -> bool:
        """A specialists' command: answered with awaits (`prompt_for`), not in one synchronous step."""
        inbound = self._inbound(message)
        return inbound is not None and self.conversation.specialist_command(inbound) is not None

    async def prompt_for(self, message: dict[str, Any]) -> Prompt | None:
        inbound = self._inbound(message)
        if inbound is None or not self.conversation.specialist_command(inbound):
            return self.prompt_now(message)
        return self._noted(inbound, await self.conversation.prompt_for(inbound))

    def prompt_now(self, message: dict[str, Any]) -> Prompt | None:
        """`prompt_for` for what does not `await`: one synchronous step (the puller runs it inside the
        message's write transaction)."""
        inbound = self._inbound(message)
        if inbound is None:
            return None
        if inbound.event == ENTER_SESSION:
            return self.welcome(inbound.from_user, inbound.event_key)
        return self._noted(inbound, self.conversation.prompt_now(inbound))

    def _inbound(self, message: dict[str, Any]) -> Inbound | None:
        """The pulled message as the conversation's Inbound, a menu click read as the number chosen."""
        inbound = inbound_of(message)
        if inbound is not None and inbound.msg_type == "text":
            return replace(inbound, content=self._clicked(inbound.from_user, inbound.content, message))
        return inbound

    @staticmethod
    def _noted(inbound: Inbound, prompt: Prompt | None) -> Prompt | None:
        """/subscribe and /deadline: the reply says how the session window limits reminders."""
        if prompt and reminds(inbound.content):
            note = text("kf_subscribe_note", prompt.language)
            return replace(prompt, note=f"{prompt.note}\n{note}" if prompt.note else note)
        return prompt

    def welcome(self, user_id: str, scene: str) -> Prompt:
        """The welcome on entering: the county from the scene is kept (unless the profile has one) and
        said; a new firm is then asked its industry, the next profile question."""
        desk = self.conversation.desk
        firm, created = desk.ensure(user_id, "zh")
        county = county_of_scene(self.engine, scene)
        if county and not firm.county:
            firm = self.conversation.profiles.update(firm.user, self.clock.now(), county=county)
        lang = firm.language
        if not firm.county:
            return self.conversation.say(user_id, desk.start(firm, ask_profile=created))
        known = text("kf_county_known", lang, county=title("county", firm.county, lang))
        greeting = f"{welcome(lang, menu_below=False)}\n\n{known}"
        prompt = desk.step(INDUSTRY, lang, before=greeting) if created else Prompt(greeting, lang)
        return self.conversation.say(user_id, prompt)

    def _clicked(self, user_id: str, typed: str, message: dict[str, Any]) -> str:
        """A menu click (text with menu_id) as the number of the option it names in the last reply; a
        click on an older menu is read as its words."""
        menu_id = str((message.get("text") or {}).get("menu_id", ""))
        offered = self.conversation.offered(user_id)
        if not menu_id or offered is None:
            return typed
        if menu_id == "0" and offered.skippable:
            return menu_id
        options = offered.options
        names_option = menu_id.isdigit() and 1 <= int(menu_id) <= len(options)
        if names_option and options[int(menu_id) - 1].title == typed:
            return menu_id
        return typed


def reminds(typed: str) -> bool:
    """/subscribe and /deadline: their replies say how the session window limits reminders."""
    return typed.strip().lower().split(maxsplit=1)[:1] in ([f"/{SUBSCRIBE}"], [f"/{DEADLINE}"])


def county_of_scene(engine: Engine, scene: str) -> str | None:
    """The county a QR code's scene_param names: a county (建阳区, jianyang, county:建阳区) or a station id
    (station:t_window); None for anything else."""
    value = unquote(scene).strip()
    kind, _, rest = value.partition(":")
    if kind in ("county", "station"):
        value = rest.strip()
    station = next((s for s in stations_of(engine.kb).stations if s.id == value), None)
    if station:
        return station.county
    return canonical_county(value) if kind != "station" else None


def _apology(inboxed: Inboxed) -> Prompt:
    log.exception("wecom_kf: failed to answer %s", inboxed.msgid)
    return Prompt(text("error_reply", "zh"))


class KfSender:
    """The kf channel as a bot.delivery.sender Sender (reminders, ticket notices): text to `<open_kfid>:<user>`,
    each piece with a msgid derived from the copy's key, so a repeat after a crash cannot arrive twice."""

    channel = KF_CHANNEL

    def __init__(self, client: KfClient, msgid_prefix: str) -> None:
        self.client, self.prefix = client, msgid_prefix

    async def send(self, chat_id: str, said: str) -> None:
        await self.send_keyed(f"once:{secrets.token_hex(8)}", chat_id, said)

    async def send_keyed(self, key: str, chat_id: str, said: str) -> None:
        open_kfid, user = split_chat(chat_id)
        for number, body in enumerate(text_bodies(said)):
            await self.client.send_msg(open_kfid, user, reply_msgid(self.prefix, key, number), body)


class KfPuller:
    """Pulls, answers and sends for the kf accounts of one process (see the module doc)."""

    def __init__(
        self, store: KfStore, client: KfClient, conversation: KfConversation, clock: Clock, *,
        holder: str | None = None, lease: timedelta = LEASE, sleep: Sleep = asyncio.sleep,
        on_firm_wrote: Callable[[str], None] = lambda chat_id: None,
        after_pass: Callable[[], Awaitable[None]] | None = None, page_size: int = SYNC_LIMIT,
    ) -> None:
        self.store, self.client, self.conversation, self.clock = store, client, conversation, clock
        self.holder = holder or secrets.token_hex(8)
        self.lease, self.sleep, self.on_firm_wrote, self.after_pass = lease, sleep, on_firm_wrote, after_pass
        self.page_size = page_size
        self.sent = 0
        self._tokens: dict[str, str] = {}  # open_kfid → the latest callback token
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._leased: dict[str, datetime] = {}  # open_kfid → when this process last took its lease

    # ---- from the callback ------------------------------------------------------------------------

    def notify(self, open_kfid: str, token: str = "") -> None:
        """New messages on `open_kfid`: pull them (after the pass running now, if one is)."""
        if token:
            self._tokens[open_kfid] = token
        self._again.add(open_kfid)
        if open_kfid not in self._runs:
            self._runs[open_kfid] = asyncio.create_task(self._run(open_kfid))

    async def _run(self, open_kfid: str) -> None:
        try:
            while open_kfid in self._again:
                self._again.discard(open_kfid)
                if not await self._pass_or_log(open_kfid):  # pulled elsewhere now: look again shortly
                    self._again.add(open_kfid)
                    await self.sleep(BUSY_RETRY_SECONDS)
        finally:
            del self._runs[open_kfid]

    async def _pass_or_log(self, open_kfid: str) -> bool:
        try:
            return await self.run_pass(open_kfid)
        except Exception:
            log.exception("wecom_kf: pass over %s failed", open_kfid)
            return True

    async def catch_up(self) -> None:
        """At start-up: pull every known account (messages that came while no process ran)."""
        for open_kfid in self.store.accounts():
            self.notify(open_kfid)

    async def drain(self) -> None:
        """Wait until every pass asked for has run (tests, shutdown)."""
        while self._runs:
            await asyncio.gather(*self._runs.values(), return_exceptions=True)

    # ---- one pass -----------------------------------------------------------------------------------

    async def run_pass(self, open_kfid: str) -> bool:
        """Under the account's lease: pull every page, answer what is new, send what is pending. False
        (nothing done) while another process holds the lease."""
        if not self.store.lease(open_kfid, self.holder, self.clock.now(), self.lease):
            log.info("wecom_kf: %s is being pulled by another process", open_kfid)
            return False
        self._leased[open_kfid] = self.clock.now()
        try:
            await self.pull(open_kfid)
            await self.answer(open_kfid)
            await self.send(open_kfid)
        except LeaseLost:
            log.warning("wecom_kf: lost the lease of %s (a pass took longer than %s)", open_kfid, self.lease)
        finally:
            self.store.release(open_kfid, self.holder)
        if self.after_pass:
            await self.after_pass()
        return True

    async def pull(self, open_kfid: str) -> int:
        """Follow kf/sync_msg from the stored cursor while has_more; each page is stored with its cursor."""
        added, token = 0, self._tokens.get(open_kfid, "")
        while True:
            page = await self.client.sync_msg(open_kfid, self.store.cursor(open_kfid), token, self.page_size)
            messages = [m for m in page.get("msg_list") or [] if isinstance(m, dict) and m.get("msgid")]
            cursor = str(page.get("next_cursor") or "")
            now = self.clock.now()
            added += self.store.take_batch(open_kfid, self.holder, cursor, messages, user_of, now)
            self._renew(open_kfid)
            if not page.get("has_more"):
                return added

    async def answer(self, open_kfid: str) -> None:
        """Answer the stored messages in order; the firm writing reopens what waited for it."""
        while batch := self.store.unanswered(open_kfid):
            for inboxed in batch:
                await self._answer_one(inboxed)
                self._renew(open_kfid)

    async def _answer_one(self, inboxed: Inboxed) -> None:
        """One write transaction: the firm wrote (what waited for it reopened), the reply queued, the message
        marked answered; a welcome sent on its event's code, or a specialists' command, awaits between."""
        code = str((inboxed.message.get("event") or {}).get("welcome_code", ""))
        if code or self.conversation.awaits(inboxed.message):
            await self._answer_awaiting(inboxed, code)
            return
        db = self.store.db
        with db.atomic():
            self._firm_wrote(inboxed)
            try:
                with db.atomic(), self.conversation.conversation.profiles.held():  # a savepoint: undone alone
                    prompt = self.conversation.prompt_now(inboxed.message)
            except Exception:
                prompt = _apology(inboxed)
            self.store.answered(inboxed, user_of(inboxed.message), bodies_of(prompt) if prompt else [],
                                self.clock.now())

    async def _answer_awaiting(self, inboxed: Inboxed, code: str) -> None:
        message, user = inboxed.message, user_of(inboxed.message)
        self._firm_wrote(inboxed)
        try:
            prompt = await self.conversation.prompt_for(message)
        except Exception:
            prompt = _apology(inboxed)
        bodies = bodies_of(prompt) if prompt else []
        if code and bodies and await self._welcome(code, inboxed, bodies[0]):
            bodies = bodies[1:]
        self.store.answered(inboxed, user, bodies, self.clock.now())

    def _firm_wrote(self, inboxed: Inboxed) -> None:
        """A firm's own message reopens what waited for its session (its replies, the outbox's copies)."""
        if inboxed.message.get("origin") == CUSTOMER:
            user = user_of(inboxed.message)
            self.store.reopen(inboxed.open_kfid, user)
            self.on_firm_wrote(user)

    async def _welcome(self, code: str, inboxed: Inboxed, body: dict[str, Any]) -> bool:
        """The welcome's first message goes on the event's code (valid 20 s, once); False when refused
        (then it is queued like any reply, and waits for the firm's first message if the session asks)."""
        msgid = reply_msgid(self.store.msgid_prefix, f"welcome:{inboxed.msgid}", 0)
        try:
            await self.client.send_msg_on_event(code, msgid, body)
        except DeliveryError as exc:
            log.warning("wecom_kf: welcome for %s not sent on its event: %s", inboxed.msgid, exc)
            return False
        self.sent += 1
        return True

    async def send(self, open_kfid: str) -> None:
        """Send the pending replies in order: sent, waiting (session rules: until the firm writes) or
        failed, recorded a batch at a time; a busy platform ends the pass (the next one retries)."""
        while batch := self.store.outgoing(open_kfid):
            outcomes: list[tuple[int, str, str | None]] = []
            try:
                for reply in batch:
                    outcome = await self._send_one(reply)
                    if outcome is None:
                        return
                    outcomes.append((reply.id, *outcome))
                    self._renew(open_kfid)
            finally:
                self.store.settle(outcomes)
                self.sent += sum(status == SENT for _, status, _ in outcomes)

    async def _send_one(self, reply: Outgoing) -> tuple[str, str | None] | None:
        """The reply's status and error; None when the platform is busy (left pending)."""
        try:
            await self.client.send_msg(reply.open_kfid, split_chat(reply.user)[1], reply.msgid, reply.body)
        except SessionClosed as exc:
            return WAITING, str(exc)
        except (RetryAfter, TransientError) as exc:
            log.warning("wecom_kf: sending %s: %s (the next pass retries)", reply.msgid, exc)
            return None
        except DeliveryError as exc:
            return FAILED, str(exc)
        return SENT, None

    def _renew(self, open_kfid: str) -> None:
        """Keep the lease while a pass goes on: renewed once a third of it has passed (one write, not one
        per message); LeaseLost if another process took it meanwhile."""
        now = self.clock.now()
        if now - self._leased.get(open_kfid, now) < self.lease / 3:
            return
        if not self.store.lease(open_kfid, self.holder, now, self.lease):
            raise LeaseLost(open_kfid)
        self._leased[open_kfid] = now
