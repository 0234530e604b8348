"""The outbound WeCom client against a local fake of gettoken and message/send."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from wecom_fake import AGENT_ID, CORP_ID, SECRET, FakeWeComAPI

from bot.delivery.sender import PermanentError, RecipientBlocked, RetryAfter, Sender, TransientError
from bot.delivery.textsplit import utf8_size
from handlers.wecom.client import WeComClient


@pytest.fixture
def api() -> FakeWeComAPI:
    return FakeWeComAPI()


@pytest_asyncio.fixture
async def client(api: FakeWeComAPI, clock):
    client = WeComClient(CORP_ID, SECRET, AGENT_ID, clock, transport=api.transport(), rate_limit_wait=30)
    yield client
    await client.aclose()


def sender_of(client: WeComClient) -> Sender:
    """The client is what the reminders' delivery loop takes."""
    return client


@pytest.mark.asyncio
async def test_token_is_fetched_once_and_reused(client: WeComClient, api: FakeWeComAPI) -> None:
    await sender_of(client).send("firm_a", "您好")
    await client.send("firm_b", "再见")
    assert api.calls == ["gettoken", "message/send", "message/send"]
    assert api.sent[0] == {"touser": "firm_a", "msgtype": "text", "agentid": AGENT_ID, "text": {"content": "您好"}}
    assert client.channel == "wecom"


@pytest.mark.asyncio
async def test_token_is_refreshed_a_little_before_its_7200_seconds(client, api, clock) -> None:
    await client.send("firm_a", "1")
    clock.advance(timedelta(seconds=7200 - 301))
    await client.send("firm_a", "2")
    assert api.tokens_issued == 1
    clock.advance(timedelta(seconds=2))
    await client.send("firm_a", "3")
    assert api.tokens_issued == 2
    assert api.texts_to("firm_a") == ["1", "2", "3"]


@pytest.mark.asyncio
@pytest.mark.parametrize("invalidate", ["expire", "revoke"])
async def test_expired_or_invalid_token_is_refreshed_and_the_send_retried_once(client, api, invalidate) -> None:
    await client.send("firm_a", "first")
    if invalidate == "expire":
        api.expire_all()  # 42001
    else:
        api.tokens_issued = 0  # the fake no longer knows token-1: 40014
    await client.send("firm_a", "second")
    assert api.texts_to("firm_a") == ["first", "second"]
    assert api.calls[-3:] == ["message/send", "gettoken", "message/send"]


@pytest.mark.asyncio
async def test_a_token_refused_twice_is_transient_and_not_looped(client, api) -> None:
    await client.send("firm_a", "first")
    api.send_errors = [{"errcode": 42001, "errmsg": "expired"}, {"errcode": 42001, "errmsg": "expired"}]
    with pytest.raises(TransientError, match="42001"):
        await client.send("firm_a", "second")
    assert api.calls.count("message/send") == 3


@pytest.mark.asyncio
async def test_user_outside_the_visible_range_is_blocked_and_not_retried(client, api) -> None:
    with pytest.raises(RecipientBlocked, match="visible range"):
        await client.send("stranger", "您好")
    assert api.calls.count("message/send") == 1


@pytest.mark.asyncio
async def test_invaliduser_in_a_successful_answer_still_means_blocked(client, api) -> None:
    api.send_errors = [{"errcode": 0, "errmsg": "ok", "invaliduser": "x|firm_a"}]
    with pytest.raises(RecipientBlocked):
        await client.send("firm_a", "您好")


@pytest.mark.asyncio
@pytest.mark.parametrize("errcode,error", [
    (60111, RecipientBlocked), (45009, RetryAfter), (-1, TransientError), (40056, PermanentError),
    (60020, PermanentError),
])
async def test_errcodes_map_to_delivery_errors(client, api, errcode, error) -> None:
    api.send_errors = [{"errcode": errcode, "errmsg": "scripted"}]
    with pytest.raises(error) as raised:
        await client.send("firm_a", "您好")
    if errcode == 45009:
        assert raised.value.seconds == 30
    if errcode == 60020:
        assert "trusted IP" in str(raised.value)


@pytest.mark.asyncio
async def test_wrong_secret_is_permanent(api, clock) -> None:
    client = WeComClient(CORP_ID, "wrong", AGENT_ID, clock, transport=api.transport())
    with pytest.raises(PermanentError, match="40001"):
        await client.send("firm_a", "您好")
    await client.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("answer", [
    httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(502), httpx.Response(200, text="<html>"),
])
async def test_network_and_server_failures_are_transient(clock, answer) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = WeComClient(CORP_ID, SECRET, AGENT_ID, clock, transport=httpx.MockTransport(handler))
    with pytest.raises(TransientError):
        await client.send("firm_a", "您好")
    await client.aclose()


@pytest.mark.asyncio
async def test_long_text_is_split_into_messages_of_at_most_2048_bytes(client, api) -> None:
    paragraph = "商标注册要多久？" * 30  # 720 bytes
    text = "\n".join([paragraph] * 6) + "\n" + "质押" * 1500  # a 6,000-byte line at the end
    await client.send("firm_a", text)
    pieces = api.texts_to("firm_a")
    assert len(pieces) > 3
    assert all(utf8_size(p) <= 2048 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert pieces[0] == paragraph + "\n" + paragraph  # cut at a line break where one fits


@pytest.mark.asyncio
async def test_markdown_is_sent_as_markdown(client, api) -> None:
    await client.send_markdown("firm_a", "**提醒**：商标续展")
    assert api.sent[0]["msgtype"] == "markdown"
    assert api.sent[0]["markdown"] == {"content": "**提醒**：商标续展"}
