"""Property tests of the WeCom callback's envelope handling (issue 15): whatever bytes arrive, signed or
not, the handler answers 200, 400 or 403, never raises (no 500), and each request stays well inside
WeCom's 5-second window (Hypothesis' deadline)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from settings_helper import write_settings
from wecom_fake import CREDENTIALS, FakeWeComAPI, WeComPeer, billion_laughs, hostile_bodies

from bot.answering.engine import Engine
from bot.app import build_services, open_db
from bot.common.settings_channels import WeComSettings
from handlers.wecom.server import build_app

ANSWERED = {200, 400, 403}
PROPERTY = settings(
    max_examples=200, deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FRAGMENTS = [
    "<xml>", "</xml>", "<Encrypt>", "</Encrypt>", "<![CDATA[", "]]>", "<MsgType>text</MsgType>",
    "<FromUserName>firm_a</FromUserName>", "<Content>商标</Content>", "<MsgId>1</MsgId>", "<MsgId>" + "9" * 40,
    "<!DOCTYPE xml [", '<!ENTITY a "aaaa">', '<!ENTITY b SYSTEM "file:///etc/passwd">', "]>", "&a;", "&b;",
    "&#0;", "&#xD800;", "&#x110000;", "&amp;", '<?xml version="1.0" encoding="UTF-16"?>', '<?xml version="1.0"?>',
    "<!-- c -->", "<a b='1' b='2'>", "</a>", "<Location_X>1e999</Location_X>", "<Location_Y>nan</Location_Y>",
    "<CreateTime>-1</CreateTime>", "<Event>click</Event>", "<EventKey>" + "x" * 300 + "</EventKey>",
]
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "gbk", "latin-1"]

xmlish_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=30).map("".join)
xmlish_bytes = st.builds(lambda text, encoding: text.encode(encoding, "replace"), xmlish_text,
                         st.sampled_from(ENCODINGS))


@pytest.fixture
def app_and_peer(fixture_kb, tmp_path, kb_dir, clock):
    settings_ = write_settings(tmp_path, kb_dir)
    engine = Engine(fixture_kb, settings_, open_db(":memory:"), clock)  # no disk wait per example
    app, callback = build_app(build_services(settings_, clock, engine=engine), CREDENTIALS, WeComSettings(),
                              transport=FakeWeComAPI().transport())
    return app, callback, clock


def post(app_and_peer, build_request) -> int:
    """Run one request through the app in a fresh event loop; its status, after any deferred reply."""
    app, callback, clock = app_and_peer

    async def run() -> int:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test") as http:
            peer = WeComPeer(http, clock)
            response = await build_request(peer)
            await callback.drain()
            return response.status_code

    status = asyncio.run(run())
    assert callback.rejections.counts["internal_error"] == 0
    return status


@PROPERTY
@given(body=st.one_of(st.binary(max_size=4096), xmlish_bytes),
       query=st.dictionaries(st.sampled_from(["msg_signature", "timestamp", "nonce", "echostr"]),
                             st.text(max_size=30)))
@example(body=hostile_bodies()["billion laughs (UTF-16)"], query={"msg_signature": "a", "timestamp": "1", "nonce": "1"})
@example(body=billion_laughs().encode(), query={"msg_signature": "a", "timestamp": "1", "nonce": "1"})
@example(body=b"<xml><Encrypt>abc</Encrypt></xml>", query={"msg_signature": "a", "timestamp": "9" * 400, "nonce": "1"})
def test_any_unsigned_body_is_refused_cleanly(app_and_peer, body: bytes, query: dict[str, str]) -> None:
    assert post(app_and_peer, lambda peer: peer.http.post(peer.path, params=query, content=body)) in ANSWERED


@PROPERTY
@given(encrypted=st.text(max_size=200), timestamp=st.one_of(st.none(), st.text(max_size=25)),
       nonce=st.text(min_size=1, max_size=20))
@example(encrypted="QUJD" * 8, timestamp="9" * 400, nonce="1")
@example(encrypted="QUJD" * 8, timestamp="１７６４０３６０００", nonce="1")
def test_any_signed_encrypt_field_is_refused_cleanly(app_and_peer, encrypted, timestamp, nonce) -> None:
    """The signature matches (as if the token leaked), the Encrypt value and timestamp are anything."""
    def request(peer: WeComPeer):
        stamp = str(int(peer.clock.now().timestamp())) if timestamp is None else timestamp
        params = {"msg_signature": peer.crypto.sign(stamp, nonce, encrypted), "timestamp": stamp, "nonce": nonce}
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode("utf-8", "surrogatepass")
        return peer.http.post(peer.path, params=params, content=body)

    assert post(app_and_peer, request) in ANSWERED


@PROPERTY
@given(inner=xmlish_text)
@example(inner=billion_laughs())
@example(inner="<xml><MsgType>location</MsgType><FromUserName>firm_a</FromUserName>"
               "<Location_X>1e999</Location_X><Location_Y>nan</Location_Y></xml>")
def test_any_signed_and_encrypted_message_is_answered_or_refused_cleanly(app_and_peer, inner: str) -> None:
    """Properly signed and encrypted (WeCom itself, or a leaked key), with any message XML inside."""
    assert post(app_and_peer, lambda peer: peer.post(inner)) in ANSWERED
