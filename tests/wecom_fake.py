"""A local fake of WeCom's gettoken and message/send endpoints, served through httpx.MockTransport."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

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

    def _send(self, request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("access_token", "")
        if not token.startswith("token-") or int(token[6:]) > self.tokens_issued:
            return httpx.Response(200, json={"errcode": 40014, "errmsg": "invalid access_token"})
        if token in self.expired:
            return httpx.Response(200, json={"errcode": 42001, "errmsg": "access_token expired"})
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
