"""Hostile input at the WeCom callback (issue 15, item 2): no XML parser sees a body that is not plain
UTF-8 without declarations, a slow body is cut off, and malformed signed fields are a 400, never a 500."""
from __future__ import annotations

import asyncio
import xml.etree.ElementTree
import xml.parsers.expat

import defusedxml.ElementTree
import httpx
import pytest
import pytest_asyncio
from wecom_fake import CREDENTIALS, FakeWeComAPI, WeComPeer, hostile_bodies

from bot.app import build_services
from bot.common.settings_channels import WeComSettings
from handlers.wecom.server import build_app


@pytest_asyncio.fixture
async def serving(engine, settings, clock):
    """Starts the callback with the given WeComSettings; the peer that talks to it."""
    closers = []

    async def start(options: WeComSettings) -> WeComPeer:
        app, callback = build_app(build_services(settings, clock, engine=engine), CREDENTIALS, options,
                                  transport=FakeWeComAPI().transport())
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test")
        closers.extend([http.aclose, callback.sender.aclose])
        return WeComPeer(http, clock)

    yield start
    for close in closers:
        await close()


@pytest_asyncio.fixture
async def peer(serving) -> WeComPeer:
    return await serving(WeComSettings())


@pytest.fixture
def parsers_called(monkeypatch) -> list[str]:
    """Every XML parser the standard library or defusedxml could build records its name here (and
    refuses to parse): the C-accelerated ElementTree parser, pure-Python expat, defusedxml's."""
    called: list[str] = []

    def spy(name: str):
        def refuse(*args, **kwargs):
            called.append(name)
            raise AssertionError(f"{name} was asked to parse a hostile body")
        return refuse

    monkeypatch.setattr(xml.etree.ElementTree, "XMLParser", spy("ElementTree.XMLParser"))
    monkeypatch.setattr(xml.parsers.expat, "ParserCreate", spy("expat.ParserCreate"))
    monkeypatch.setattr(defusedxml.ElementTree, "DefusedXMLParser", spy("DefusedXMLParser"))
    return called


@pytest.mark.asyncio
@pytest.mark.parametrize("name", list(hostile_bodies()))
async def test_hostile_bodies_are_refused_before_any_xml_parser_runs(peer, parsers_called, name) -> None:
    response = await peer.post("", body=hostile_bodies()[name])
    assert (response.status_code, parsers_called) == (400, [])
    assert "Traceback" not in response.text


@pytest.mark.asyncio
async def test_a_body_that_trickles_in_is_cut_off(serving) -> None:
    peer = await serving(WeComSettings(body_read_seconds=0.05))

    async def trickle():
        yield b"<xml><Encrypt>"
        await asyncio.Event().wait()  # the rest never comes

    response = await asyncio.wait_for(peer.http.post(
        "/wecom/callback", params={"msg_signature": "a" * 40, "timestamp": "1", "nonce": "1"}, content=trickle(),
    ), timeout=5)
    assert response.status_code == 408


@pytest.mark.asyncio
async def test_a_declared_length_over_the_limit_is_refused_unread(peer) -> None:
    response = await peer.http.post(
        "/wecom/callback", params={"msg_signature": "a" * 40, "timestamp": "1", "nonce": "1"},
        content=b"<xml/>", headers={"content-length": str(10**9)},
    )
    assert response.status_code == 413


@pytest.mark.asyncio
@pytest.mark.parametrize("timestamp", ["9" * 400, "１７６４０３６０００", "-5"])
async def test_malformed_signed_timestamp_is_400_not_500(peer, timestamp) -> None:
    """Correctly signed, but the timestamp is not a Unix time: 400 (an int of 400 digits once overflowed)."""
    message = peer.text_xml("firm_a", "你好")
    encrypted = peer.crypto.encrypt(message)
    params = {"msg_signature": peer.crypto.sign(timestamp, "1", encrypted), "timestamp": timestamp, "nonce": "1"}
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    response = await peer.http.post("/wecom/callback", params=params, content=body)
    assert response.status_code == 400


@pytest.mark.asyncio
async def test_a_normal_message_still_parses_and_is_answered(peer) -> None:
    assert "9个月" in await peer.say("firm_a", "商标注册要多久")
