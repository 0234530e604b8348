"""A local fake of the 微信客服 API (gettoken, kf/sync_msg, kf/send_msg, kf/send_msg_on_event,
kf/service_state/get), faithful to the rules the channel depends on:

- sync_msg pages by cursor (`limit` ≤ 1000, `has_more`), and a callback token is valid 10 minutes;
- send_msg refuses a msgid used before on the account (40058), a sixth message within 48 hours of the
  firm's last message or any after those 48 hours (95001), and any while a servicer or the queue holds
  the session (95018); a stale access token (42001) as the app's fake does;
- send_msg_on_event takes an enter-session event's code once, within 20 seconds.

Our own bugs (a msgid or a text outside the published limits) fail the test at once (AssertionError).
`save`/`load` keep the state in a file and `kill_after` SIGKILLs the process after the n-th accepted call
of an endpoint: how the crash tests run a puller in a child process that dies mid-pass.
"""
from __future__ import annotations

import asyncio
import json
import os
import pickle
import re
import signal
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from wecom_fake import CORP_ID, FakeWeComAPI

KFID = "wkStation001"
WINDOW, WINDOW_MESSAGES = timedelta(hours=48), 5
TOKEN_LIFETIME, CODE_LIFETIME = timedelta(minutes=10), timedelta(seconds=20)
MSGID = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
BOT, QUEUE, SERVICER, ENDED = 1, 2, 3, 4


@dataclass
class Session:
    last_customer: datetime | None = None
    sent_since: int = 0
    state: int = BOT
    servicer: str = ""


@dataclass
class FakeKfAPI(FakeWeComAPI):
    """The kf endpoints on top of the app's fake (tokens, message/send)."""

    clock: Any = None
    messages: dict[str, list[dict]] = field(default_factory=dict)  # open_kfid → its message log
    callback_tokens: dict[str, datetime] = field(default_factory=dict)
    codes: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # welcome code → (expiry, user)
    sessions: dict[tuple[str, str], Session] = field(default_factory=dict)
    kf_sent: list[dict] = field(default_factory=list)  # accepted send_msg and send_msg_on_event bodies
    msgids: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)  # calls per endpoint
    refused: list[tuple[str, int]] = field(default_factory=list)  # (msgid, errcode) of refused sends
    kill_after: dict[str, int] = field(default_factory=dict)  # endpoint → SIGKILL after this many accepted calls
    state_file: Path | None = None
    sync_gate: asyncio.Event | None = None  # when set up, sync_msg waits for it (concurrency tests)
    syncing: int = 0
    most_syncing: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle_async)

    # ---- what the firm does in WeChat -----------------------------------------------------------

    def customer_says(self, user: str, content: str, menu_id: str = "", kfid: str = KFID) -> str:
        """The firm sends a text (a menu click carries menu_id); the 48-hour window reopens. Returns the
        callback token announcing it."""
        body: dict[str, Any] = {"content": content, **({"menu_id": menu_id} if menu_id else {})}
        return self.customer_sends(user, "text", {"text": body}, kfid)

    def customer_sends(self, user: str, msgtype: str, content: dict[str, Any], kfid: str = KFID) -> str:
        self._log(kfid, {"origin": 3, "external_userid": user, "msgtype": msgtype, **content})
        session = self.session(kfid, user)
        session.last_customer, session.sent_since = self.clock.now(), 0
        return self._token()

    def enter_session(self, user: str, scene_param: str = "", kfid: str = KFID) -> str:
        """The firm opens the chat from a kf link or QR code: an event with a 20-second welcome code."""
        code = f"code{len(self.codes) + 1}"
        self.codes[code] = (self.clock.now() + CODE_LIFETIME, user)
        self._log(kfid, {"origin": 4, "msgtype": "event", "event": {
            "event_type": "enter_session", "scene": "qrcode", "scene_param": scene_param, "open_kfid": kfid,
            "external_userid": user, "welcome_code": code}})
        return self._token()

    def servicer_takes(self, user: str, servicer: str = "staff_li", kfid: str = KFID) -> None:
        session = self.session(kfid, user)
        session.state, session.servicer = SERVICER, servicer

    def session(self, kfid: str, user: str) -> Session:
        return self.sessions.setdefault((kfid, user), Session())

    def _log(self, kfid: str, message: dict[str, Any]) -> None:
        log = self.messages.setdefault(kfid, [])
        log.append({"msgid": f"{kfid}-m{len(log) + 1}", "open_kfid": kfid,
                    "send_time": int(self.clock.now().timestamp()), **message})

    def _token(self) -> str:
        token = f"cbtoken{len(self.callback_tokens) + 1}"
        self.callback_tokens[token] = self.clock.now() + TOKEN_LIFETIME
        return token

    # ---- what the firm sees -----------------------------------------------------------------------

    def seen_by(self, user: str) -> list[dict]:
        return [m for m in self.kf_sent if m["touser"] == user]

    def texts_seen_by(self, user: str) -> list[str]:
        """Each message as the firm reads it: a text, or a menu's head, items and tail on lines."""
        return [shown(m) for m in self.seen_by(user)]

    # ---- the endpoints ------------------------------------------------------------------------------

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rsplit("/cgi-bin/", 1)[-1]
        if not path.startswith("kf/"):
            return self.handle(request)
        self.calls.append(path)
        refusal = self.token_refusal(request)
        if refusal:
            return refusal
        body = json.loads(request.content)
        if path == "kf/sync_msg":
            return await self._sync(body)
        handler = {"kf/send_msg": self._send_msg, "kf/send_msg_on_event": self._on_event,
                   "kf/service_state/get": self._state}.get(path)
        if handler is None:
            return httpx.Response(404)
        return self._accepted(path, handler(body))

    async def _sync(self, body: dict[str, Any]) -> httpx.Response:
        self.syncing += 1
        self.most_syncing = max(self.most_syncing, self.syncing)
        try:
            if self.sync_gate is not None:
                await self.sync_gate.wait()
            token = body.get("token")
            if token and not (token in self.callback_tokens and self.clock.now() <= self.callback_tokens[token]):
                return httpx.Response(200, json={"errcode": 95007, "errmsg": "invalid msg token"})
            assert 1 <= body.get("limit", 1000) <= 1000, "limit must be 1..1000"
            log = self.messages.get(body["open_kfid"], [])
            start = int(body.get("cursor") or 0)
            end = min(len(log), start + body.get("limit", 1000))
            page = {"errcode": 0, "errmsg": "ok", "next_cursor": str(end), "has_more": int(end < len(log)),
                    "msg_list": log[start:end]}
            return self._accepted("kf/sync_msg", page)
        finally:
            self.syncing -= 1

    def _send_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        kfid, user, msgid = body["open_kfid"], body["touser"], body["msgid"]
        check_limits(body)
        session = self.session(kfid, user)
        if (kfid, msgid) in self.msgids:
            return self._refuse(msgid, 40058, "invalid parameter: msgid duplicated")
        if session.state in (QUEUE, SERVICER, ENDED):
            return self._refuse(msgid, 95018, "send msg session status invalid")
        last = session.last_customer
        if last is None or self.clock.now() - last > WINDOW or session.sent_since >= WINDOW_MESSAGES:
            return self._refuse(msgid, 95001, "send msg count limit")
        session.sent_since += 1
        self.msgids.add((kfid, msgid))
        self.kf_sent.append(body)
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def _on_event(self, body: dict[str, Any]) -> dict[str, Any]:
        check_limits(body)
        expiry, user = self.codes.get(body["code"], (None, ""))
        if expiry is None or self.clock.now() > expiry:
            return self._refuse(body["msgid"], 40058, "invalid parameter: code expired or used")
        self.codes[body["code"]] = (self.clock.now() - CODE_LIFETIME, user)  # used: never again
        self.kf_sent.append({**body, "touser": user})
        return {"errcode": 0, "errmsg": "ok", "msgid": body["msgid"]}

    def _state(self, body: dict[str, Any]) -> dict[str, Any]:
        session = self.session(body["open_kfid"], body["external_userid"])
        return {"errcode": 0, "errmsg": "ok", "service_state": session.state, "servicer_userid": session.servicer}

    def _refuse(self, msgid: str, code: int, message: str) -> dict[str, Any]:
        self.refused.append((msgid, code))
        return {"errcode": code, "errmsg": message}

    def _accepted(self, path: str, answer: dict[str, Any]) -> httpx.Response:
        """Count the call; when `kill_after` says so, save the state and die as under kill -9 (the answer
        never reaches the caller)."""
        if answer.get("errcode") == 0:
            self.counts[path] = self.counts.get(path, 0) + 1
            if self.kill_after.get(path) == self.counts[path]:
                self.save()
                os.kill(os.getpid(), signal.SIGKILL)
        return httpx.Response(200, json=answer)

    # ---- across processes ---------------------------------------------------------------------------

    _KEPT = ("tokens_issued", "messages", "callback_tokens", "codes", "sessions", "kf_sent", "msgids", "counts",
             "refused")

    def save(self) -> None:
        assert self.state_file is not None
        self.state_file.write_bytes(pickle.dumps({name: getattr(self, name) for name in self._KEPT}))

    def load(self) -> None:
        assert self.state_file is not None
        for name, value in pickle.loads(self.state_file.read_bytes()).items():
            setattr(self, name, value)


def check_limits(body: dict[str, Any]) -> None:
    """The published sizes: msgid ≤ 32 bytes of [0-9a-zA-Z_-]; text ≤ 2,048 bytes; a menu's head and
    tail ≤ 1,024 bytes, ≤ 10 items of ≤ 128 bytes with ids of 1–64 bytes."""
    assert MSGID.match(body["msgid"]), f"bad msgid {body['msgid']!r}"
    if body["msgtype"] == "text":
        assert 0 < len(body["text"]["content"].encode()) <= 2048, "text size"
    else:
        assert body["msgtype"] == "msgmenu", body["msgtype"]
        menu = body["msgmenu"]
        assert len(menu["head_content"].encode()) <= 1024 and len(menu["tail_content"].encode()) <= 1024
        assert 1 <= len(menu["list"]) <= 10
        for item in menu["list"]:
            assert 1 <= len(item["click"]["id"].encode()) <= 64 and 1 <= len(item["click"]["content"].encode()) <= 128


def shown(message: dict[str, Any]) -> str:
    if message["msgtype"] == "text":
        return message["text"]["content"]
    menu = message["msgmenu"]
    items = [f"[{item['click']['content']}]" for item in menu["list"]]
    return "\n".join(part for part in (menu["head_content"], *items, menu["tail_content"]) if part)


def kf_event_xml(token: str, open_kfid: str = KFID, created: int = 0) -> str:
    """The decrypted kf_msg_or_event callback: a token and the account, no FromUserName."""
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><CreateTime>{created}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>"
            f"<Token><![CDATA[{token}]]></Token><OpenKfId><![CDATA[{open_kfid}]]></OpenKfId></xml>")

