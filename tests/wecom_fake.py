"""A local fake of WeCom's gettoken and message/send endpoints, served through httpx.MockTransport."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

from bot.common.settings_channels import WeComSettings
from handlers.wecom.config import WeComCredentials

CORP_ID, SECRET, AGENT_ID = "ww_test_corp", "test-secret", 1000002


@dataclass
class FakeWeComAPI:
    """Issues numbered tokens, records every sent message, and answers scripted errors on request."""

    visible_users: set[str] = field(default_factory=lambda: {"firm_a", "firm_b", "staff_li"})
    token_lifetime: int = 7200
    tokens_issued: int = 0
    expired: set[str] = field(default_factory=set)
    sent: list[dict] = field(default_factory=list)
    send_errors: list[dict] = field(default_factory=list)  # answered, in order, before normal handling
    token_error: dict | None = None
    calls: list[str] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_all(self) -> None:
        """WeCom invalidated every token issued so far (as after 7,200 s or a secret reset)."""
        self.expired |= {f"token-{n}" for n in range(1, self.tokens_issued + 1)}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.rsplit("/cgi-bin/", 1)[-1]
        self.calls.append(path)
        if path == "gettoken":
            return self._gettoken(request)
        if path == "message/send":
            return self._send(request)
        return httpx.Response(404)

    def _gettoken(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if self.token_error:
            return httpx.Response(200, json=self.token_error)
        if params.get("corpid") != CORP_ID or params.get("corpsecret") != SECRET:
            return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid secret"})
        self.tokens_issued += 1
        return httpx.Response(200, json={
            "errcode": 0, "errmsg": "ok", "access_token": f"token-{self.tokens_issued}",
            "expires_in": self.token_lifetime,
        })

    def token_refusal(self, request: httpx.Request) -> httpx.Response | None:
        """The answer to a call with an unknown (40014) or expired (42001) access token; None if valid."""
        token = request.url.params.get("access_token", "")
        if not token.startswith("token-") or int(token[6:]) > self.tokens_issued:
            return httpx.Response(200, json={"errcode": 40014, "errmsg": "invalid access_token"})
        if token in self.expired:
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})
        return None

    def _send(self, request: httpx.Request) -> httpx.Response:
        refusal = self.token_refusal(request)
        if refusal:
            return refusal
        if self.send_errors:
            return httpx.Response(200, json=self.send_errors.pop(0))
        body = json.loads(request.content)
        if body.get("agentid") != AGENT_ID:
            return httpx.Response(200, json={"errcode": 40056, "errmsg": "invalid agentid"})
        if body["touser"] not in self.visible_users:
            return httpx.Response(200, json={
                "errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": body["touser"],
            })
        self.sent.append(body)
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "msgid": f"m{len(self.sent)}"})

    def texts_to(self, user: str) -> list[str]:
        return [m[m["msgtype"]]["content"] for m in self.sent if m["touser"] == user]


TOKEN = "callbacktoken"
ENCODING_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


class WeComPeer:
    """Plays WeCom's side of the callback: signs and encrypts messages, opens the passive replies.

    `http` is an httpx.AsyncClient on the app (ASGITransport): the app then runs in the test's own
    thread and event loop, as under uvicorn, where the Engine's SQLite connection lives.
    """

    def __init__(self, http, clock, path: str = "/wecom/callback", token: str = TOKEN, corp_id: str = CORP_ID) -> None:
        from handlers.wecom.crypto import WeComCrypto

        self.http, self.clock, self.path = http, clock, path
        self.crypto = WeComCrypto(token, ENCODING_AES_KEY, corp_id)
        self._msg_ids = iter(range(7_000_000_000_000_000_000, 8_000_000_000_000_000_000))

    def text_xml(self, user: str, content: str, msg_id: int | None = None) -> str:
        msg_id = next(self._msg_ids) if msg_id is None else msg_id
        return self._xml(user, "text", f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>")

    def event_xml(self, user: str, event: str, key: str = "") -> str:
        return self._xml(user, "event", f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>")

    def location_xml(self, user: str, latitude: str, longitude: str) -> str:
        position = f"<Location_X>{latitude}</Location_X><Location_Y>{longitude}</Location_Y>"
        rest = f"<Scale>15</Scale><Label><![CDATA[某地]]></Label><MsgId>{next(self._msg_ids)}</MsgId>"
        return self._xml(user, "location", position + rest)

    def other_xml(self, user: str, msg_type: str) -> str:
        return self._xml(user, msg_type, f"<MediaId><![CDATA[m1]]></MediaId><MsgId>{next(self._msg_ids)}</MsgId>")

    async def post(self, message_xml: str, *, timestamp: int | None = None, nonce: str = "1372623149",
             signature: str | None = None, body: bytes | None = None):
        """POST like WeCom: the envelope with Encrypt, signed in the query string."""
        timestamp = int(self.clock.now().timestamp()) if timestamp is None else timestamp
        encrypted = self.crypto.encrypt(message_xml)
        signature = signature or self.crypto.sign(str(timestamp), nonce, encrypted)
        if body is None:
            body = (f"<xml><ToUserName><![CDATA[{self.crypto.receive_id}]]></ToUserName>"
                    f"<AgentID><![CDATA[{AGENT_ID}]]></AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>").encode()
        params = {"msg_signature": signature, "timestamp": str(timestamp), "nonce": nonce}
        return await self.http.post(self.path, params=params, content=body)

    async def say(self, user: str, content: str) -> str:
        """Send a text and return the Content of the passive reply."""
        return self.reply_fields(await self.post(self.text_xml(user, content)))["Content"]

    async def final_reply(self, user: str, content: str, callback, api: FakeWeComAPI) -> str:
        """The reply to a text however it came: passive, or (after 「处理中…」, when the work outlasted the
        passive window on a busy machine) the text that followed through the API."""
        from bot.i18n.texts import text

        passive = await self.say(user, content)
        if passive != text("wecom_working", "zh"):
            return passive
        await callback.drain()
        return api.texts_to(user)[-1]

    def reply_fields(self, response) -> dict[str, str]:
        """Verify and decrypt a passive reply: the fields of the reply message."""
        from handlers.wecom.messages import parse_fields

        assert response.status_code == 200, response.text
        envelope = parse_fields(response.content)
        plain = self.crypto.open(envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
        return parse_fields(plain)

    def _xml(self, user: str, msg_type: str, rest: str) -> str:
        created = int(self.clock.now().timestamp())
        return (f"<xml><ToUserName><![CDATA[{self.crypto.receive_id}]]></ToUserName>"
                f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{created}</CreateTime>"
                f"<MsgType><![CDATA[{msg_type}]]></MsgType>{rest}<AgentID>{AGENT_ID}</AgentID></xml>")


CREDENTIALS = WeComCredentials(CORP_ID, AGENT_ID, TOKEN, ENCODING_AES_KEY, SECRET)


async def serve(engine, settings, clock, api: FakeWeComAPI, credentials: WeComCredentials = CREDENTIALS):
    """The callback app over in-process HTTP (httpx's ASGI transport): the client and the callback.
    The caller closes both (`http.aclose()`, `callback.sender.aclose()`). The lifespan does not run: what
    an update queues for others is sent by the delivery service's pass after it, waiting out the limits
    on `clock`."""
    from bot.app import build_services
    from bot.common.clock import simulated_sleep
    from handlers.wecom.server import build_app

    services = build_services(settings, clock, engine=engine, sleep=simulated_sleep(clock))
    app, callback = build_app(services, credentials, WeComSettings(), transport=api.transport())
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test")
    return http, callback


# ---- hostile bodies (issue 15): what an attacker without credentials can POST ----------------------

def billion_laughs(levels: int = 9) -> str:
    """The classic entity-expansion bomb: 10**levels 'lol's from about 1 KB, inside an <Encrypt>."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels + 1)
    ]
    return f'<?xml version="1.0"?><!DOCTYPE xml [{"".join(entities)}]><xml><Encrypt>&lol{levels};</Encrypt></xml>'


def hostile_bodies() -> dict[str, bytes]:
    """Bodies no parser should see: the bomb in UTF-8 and in UTF-16 (which hides the DOCTYPE from a byte
    search), UTF-16 without a byte-order mark, a declaration naming another encoding, and NUL bytes."""
    laughs = billion_laughs()
    return {
        "billion laughs (UTF-8)": laughs.encode("utf-8"),
        "billion laughs (UTF-16)": laughs.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
        "UTF-16 without BOM": "<xml><Encrypt>abc</Encrypt></xml>".encode("utf-16-le"),
        "declared GBK": b'<?xml version="1.0" encoding="GBK"?><xml><Encrypt>abc</Encrypt></xml>',
        "NUL bytes": b"<xml><Encrypt>a\x00bc</Encrypt></xml>",
    }
