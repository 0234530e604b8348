"""The WeCom callback server end to end: signed encrypted messages in, encrypted replies out."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from settings_helper import write_settings
from wecom_fake import AGENT_ID, CORP_ID, ENCODING_AES_KEY, SECRET, FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import open_db
from bot.common.clock import ManualClock
from handlers.wecom.config import WeComCredentials


@pytest.fixture
def wecom_settings(tmp_path: Path, kb_dir: Path):
    return write_settings(tmp_path, kb_dir, "specialists:\n  wecom: [staff_li]\n")


@pytest.fixture
def wecom_engine(fixture_kb, wecom_settings, clock) -> Engine:
    return Engine(fixture_kb, wecom_settings, open_db(wecom_settings.db_path), clock)


@pytest.fixture
def api() -> FakeWeComAPI:
    return FakeWeComAPI()


@pytest_asyncio.fixture
async def server(wecom_engine, wecom_settings, clock, api):
    http, callback = await serve(wecom_engine, wecom_settings, clock, api)
    yield WeComPeer(http, clock), callback
    await http.aclose()
    await callback.sender.aclose()


def events(engine: Engine, kind: str | None = None) -> list[dict]:
    rows = engine.db.query("select * from events order by id")
    return [r for r in rows if kind is None or r["kind"] == kind]


# ---- published samples through HTTP -------------------------------------------------------------

SAMPLE = WeComCredentials("wx5823bf96d3bd56c7", AGENT_ID, "QDG6eK", ENCODING_AES_KEY, SECRET)
SAMPLE_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="


@pytest.mark.asyncio
async def test_url_check_sample_through_http(wecom_engine, wecom_settings, api) -> None:
    clock = ManualClock(datetime.fromtimestamp(1409659589 + 20, UTC))
    http, callback = await serve(wecom_engine, wecom_settings, clock, api, SAMPLE)
    params = {"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589",
              "nonce": "263014780", "echostr": SAMPLE_ECHOSTR}
    response = await http.get("/wecom/callback", params=params)
    assert (response.status_code, response.text) == (200, "1616140317555161061")
    # a '+' that arrives unescaped is read as a space by form decoding: still accepted
    raw = "&".join(f"{k}={v}" for k, v in params.items())
    assert (await http.get(f"/wecom/callback?{raw}")).text == "1616140317555161061"
    clock.advance(timedelta(hours=1))
    assert (await http.get("/wecom/callback", params=params)).status_code == 403
    await http.aclose()


@pytest.mark.asyncio
async def test_published_message_sample_reaches_the_engine(wecom_engine, wecom_settings, api) -> None:
    clock = ManualClock(datetime.fromtimestamp(1409659813, UTC))
    http, callback = await serve(wecom_engine, wecom_settings, clock, api, SAMPLE)
    encrypt = (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
        "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+"
        "HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrX"
        "JB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3f"
        "VKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
    )
    body = f"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    params = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6", "timestamp": "1409659813",
              "nonce": "1372623149"}
    response = await http.post("/wecom/callback", params=params, content=body.encode())
    reply = WeComPeer(http, clock, token="QDG6eK", corp_id="wx5823bf96d3bd56c7").reply_fields(response)
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == ("mycreate", "wx5823bf96d3bd56c7", "text")
    [event] = events(wecom_engine)
    assert (event["channel"], event["kind"], event["question"], event["internal"]) == ("wecom", "question", "hello", 0)
    assert event["user"] != "mycreate" and len(event["user"].split(".")[1]) == 32
    welcome, answer = reply["Content"].split("\n\n", 3)[::3]  # a first contact: welcomed, then answered
    assert welcome.startswith("Hello, I am 知创助手")  # "hello" is English: so is the new profile
    assert answer.startswith(wecom_engine.handle(Message("test", "someone", "hello")).text)
    await http.aclose()


# ---- a conversation ----------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_text_round_trip_answers_with_numbered_follow_ups(server, wecom_engine) -> None:
    peer, _ = server
    response = await peer.post(peer.text_xml("firm_a", "商标注册要多久"))
    reply = peer.reply_fields(response)
    assert (reply["ToUserName"], reply["FromUserName"]) == ("firm_a", CORP_ID)
    content = reply["Content"]
    assert "9个月" in content
    assert "  1. 注册商标的官费\n  2. 商标续展" in content
    assert content.endswith("  3. 去哪里办？\n回复 1/2/3 选择\n回复「+」或「-」评价这个回答\n"
                            "发送 /profile 可填写企业所在县区、行业和是否接收服务通知（均可跳过），以便推荐本地站点。")
    second = await peer.say("firm_a", "注册商标多少钱")  # no longer a first contact: no welcome, no invitation
    assert second.startswith("网上申请每类270元") and second.endswith("回复「+」或「-」评价这个回答")
    event = events(wecom_engine)[0]
    assert (event["channel"], event["intent"], event["decision"]) == ("wecom", "tm_duration", "answer")
    assert event["internal"] == 0
    assert event["user"] == wecom_engine.events.user("wecom", "firm_a")


@pytest.mark.asyncio
async def test_a_bare_number_picks_the_offered_choice(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "商标注册要多久")
    assert "期满前12个月内办理续展" in await peer.say("firm_a", "2")
    choice = events(wecom_engine, "choice")
    assert [(e["intent"], e["reply_to"]) for e in choice] == [("tm_renewal", events(wecom_engine)[0]["id"])]
    # out of range, or another user: a number is just text for the Engine
    assert "9个月" not in await peer.say("firm_b", "2")
    assert len(events(wecom_engine, "choice")) == 1


@pytest.mark.asyncio
async def test_numbered_choices_expire_with_the_context(server, wecom_engine, clock) -> None:
    peer, _ = server
    await peer.say("firm_a", "商标注册要多久")
    clock.advance(timedelta(minutes=11))
    await peer.say("firm_a", "2")
    assert events(wecom_engine, "choice") == []


@pytest.mark.asyncio
async def test_plus_and_minus_rate_the_last_answer_once(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "商标注册要多久")
    answer_id = events(wecom_engine)[0]["id"]
    assert await peer.say("firm_a", "+") == "谢谢您的反馈！"
    await peer.say("firm_a", "注册商标多少钱")
    assert await peer.say("firm_a", "[弱]") == (  # 👎 offers the question to a specialist
        "谢谢您的反馈！\n抱歉没能帮到您。需要的话，可以把问题留给人工服务专员。\n  1. 留给专员\n回复 1 选择")
    feedback = events(wecom_engine, "feedback")
    assert [(f["reply_to"], f["intent"], json.loads(f["detail"])) for f in feedback] == [
        (answer_id, "tm_duration", {"value": "up"}),
        (events(wecom_engine, "question")[1]["id"], "tm_fee", {"value": "down"}),
    ]
    assert {(f["channel"], f["topic"], f["internal"]) for f in feedback} == {("wecom", "trademark", 0)}
    await peer.say("firm_a", "-")  # already rated: goes to the Engine as text
    assert len(events(wecom_engine, "feedback")) == 2


@pytest.mark.asyncio
async def test_menu_click_opens_the_topic_and_numbers_follow(server, wecom_engine) -> None:
    peer, _ = server
    reply = peer.reply_fields(await peer.post(peer.event_xml("firm_a", "click", "topic:trademark")))
    assert "请选择您关心的问题" in reply["Content"] and "1. 商标注册要多长时间" in reply["Content"]
    assert "9个月" in await peer.say("firm_a", "1")
    assert [e["intent"] for e in events(wecom_engine, "choice")] == ["topic:trademark", "tm_duration"]


@pytest.mark.asyncio
async def test_other_message_types_get_a_clear_text_reply(server, wecom_engine) -> None:
    peer, _ = server
    for msg_type in ("image", "voice", "video", "file"):
        assert "只能回答文字问题" in peer.reply_fields(await peer.post(peer.other_xml("firm_a", msg_type)))["Content"]
    assert "知创助手" in peer.reply_fields(await peer.post(peer.event_xml("firm_a", "subscribe")))["Content"]
    entered = await peer.post(peer.event_xml("firm_a", "enter_agent"))
    assert (entered.status_code, entered.content) == (200, b"")
    assert events(wecom_engine) == []


@pytest.mark.asyncio
async def test_duplicate_delivery_gets_the_same_reply_without_reaching_the_engine_twice(server, wecom_engine) -> None:
    peer, callback = server
    message = peer.text_xml("firm_a", "商标注册要多久", msg_id=4561255354251345929)
    first = peer.reply_fields(await peer.post(message))["Content"]
    again = peer.reply_fields(await peer.post(message, nonce="999"))["Content"]
    assert again == first
    assert len(events(wecom_engine)) == 1
    assert callback.duplicates == 1


@pytest.mark.asyncio
async def test_duplicates_are_recognised_after_a_restart(wecom_engine, wecom_settings, clock, api, fixture_kb) -> None:
    http, callback = await serve(wecom_engine, wecom_settings, clock, api)
    message = WeComPeer(http, clock).text_xml("firm_a", "商标注册要多久", msg_id=42)
    await WeComPeer(http, clock).post(message)
    await http.aclose()
    restarted = Engine(fixture_kb, wecom_settings, open_db(wecom_settings.db_path), clock)
    http, callback = await serve(restarted, wecom_settings, clock, api)
    assert "9个月" in WeComPeer(http, clock).reply_fields(await WeComPeer(http, clock).post(message))["Content"]
    assert len(events(restarted)) == 1
    await http.aclose()


# ---- refusals ----------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_bad_signature_is_403_and_counted(server, wecom_engine, caplog) -> None:
    peer, callback = server
    with caplog.at_level(logging.WARNING):
        response = await peer.post(peer.text_xml("firm_a", "商标注册要多久"), signature="0" * 40)
    assert (response.status_code, response.text) == (403, "bad signature")
    assert callback.rejections.counts["bad_signature"] == 1
    assert "refused: bad_signature (1 so far)" in caplog.text
    assert events(wecom_engine) == []


@pytest.mark.asyncio
async def test_stale_timestamp_is_403_within_the_window_is_fine(server, clock, wecom_engine) -> None:
    peer, callback = server
    now = int(clock.now().timestamp())
    assert (await peer.post(peer.text_xml("firm_a", "你好"), timestamp=now - 301)).status_code == 403
    assert (await peer.post(peer.text_xml("firm_a", "你好"), timestamp=now + 301)).status_code == 403
    assert callback.rejections.counts["stale_timestamp"] == 2
    assert (await peer.post(peer.text_xml("firm_a", "你好"), timestamp=now - 299)).status_code == 200
    assert len(events(wecom_engine)) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("body,reason", [
    (b"", "malformed_body"),
    (b"{\"json\": true}", "malformed_body"),
    (b"<xml><Encrypt>abc", "malformed_body"),
    (b"<xml><ToUserName>x</ToUserName></xml>", "malformed_body"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>', "malformed_body"),
])
async def test_malformed_body_is_400(server, body, reason, wecom_engine) -> None:
    peer, callback = server
    response = await peer.post("", body=body)
    assert response.status_code == 400
    assert callback.rejections.counts[reason] == 1
    assert "Traceback" not in response.text


@pytest.mark.asyncio
async def test_signed_but_undecryptable_or_malformed_inside_is_400(server) -> None:
    peer, callback = server
    timestamp, nonce = str(int(peer.clock.now().timestamp())), "5"
    garbage = "QUJD" * 8  # valid base64, not a whole AES message
    params = {"msg_signature": peer.crypto.sign(timestamp, nonce, garbage), "timestamp": timestamp, "nonce": nonce}
    response = await peer.http.post("/wecom/callback", params=params,
                                    content=f"<xml><Encrypt>{garbage}</Encrypt></xml>".encode())
    assert response.status_code == 400
    assert (await peer.post("<xml><Content>no type</Content></xml>")).status_code == 400
    assert (await peer.post("not xml at all")).status_code == 400
    assert callback.rejections.counts == {"undecryptable": 1, "malformed_message": 2}


@pytest.mark.asyncio
async def test_message_for_another_corp_is_403(server, wecom_engine, wecom_settings, clock, api) -> None:
    peer, callback = server
    stranger = WeComPeer(peer.http, clock, corp_id="ww_other_corp")
    assert (await stranger.post(stranger.text_xml("firm_a", "你好"))).status_code == 403
    assert callback.rejections.counts["wrong_receiver"] == 1


@pytest.mark.asyncio
async def test_missing_query_parameters_and_oversized_bodies(server) -> None:
    peer, callback = server
    assert (await peer.http.post("/wecom/callback", content=b"<xml/>")).status_code == 400
    assert (await peer.http.get("/wecom/callback", params={"msg_signature": "a", "timestamp": "x", "nonce": "1"})).status_code == 400
    assert (await peer.post("", body=b"<xml>" + b"a" * 70_000 + b"</xml>")).status_code == 413
    assert callback.rejections.counts == {"bad_params": 2, "too_large": 1}


@pytest.mark.asyncio
async def test_engine_failure_is_an_apology_not_a_500(server, wecom_engine, monkeypatch, caplog) -> None:
    peer, _ = server

    def broken(message):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(wecom_engine, "handle", broken)
    with caplog.at_level(logging.ERROR):
        assert await peer.say("firm_a", "商标注册要多久") == "抱歉，系统暂时出错，请稍后再试。"
    assert "database is locked" in caplog.text


@pytest.mark.asyncio
async def test_unexpected_error_is_a_bare_500_logged_and_counted(server, monkeypatch, caplog) -> None:
    peer, callback = server

    def broken(key):
        raise OSError("disk full")

    monkeypatch.setattr(callback.seen, "reply_for", broken)
    with caplog.at_level(logging.ERROR):
        response = await peer.post(peer.text_xml("firm_a", "你好"))
    assert (response.status_code, response.text) == (500, "internal error")
    assert callback.rejections.counts["internal_error"] == 1
    assert "disk full" in caplog.text


# ---- long replies and specialists --------------------------------------------------------------

@pytest.mark.asyncio
async def test_reply_over_2048_bytes_is_passive_first_then_the_rest_through_the_api(server, api, monkeypatch) -> None:
    peer, callback = server
    long_reply = "\n".join(f"第{n}条：" + "商标" * 100 for n in range(1, 9))  # ~4,900 bytes

    monkeypatch.setattr(callback.conversation, "reply_now", lambda inbound: long_reply)
    passive = await peer.say("firm_a", "全部告诉我")
    assert len(passive.encode()) <= 2048 and passive.startswith("第1条")
    rest = api.texts_to("firm_a")
    assert rest and all(len(p.encode()) <= 2048 for p in rest)
    assert "\n".join([passive, *rest]) == long_reply


@pytest.mark.asyncio
async def test_specialist_traffic_is_internal_and_commands_need_a_specialist(server, wecom_engine) -> None:
    peer, _ = server
    await peer.say("firm_a", "商标注册要多久")
    await peer.say("staff_li", "注册商标多少钱")
    assert [e["internal"] for e in events(wecom_engine)] == [0, 1]
    assert await peer.say("firm_a", "/stats") == "抱歉，这个命令仅限人工服务专员使用。"
    stats = await peer.say("staff_li", "/stats")
    assert "提问 1：已回答 1" in stats and "按主题：商标 1" in stats
    audit = list(wecom_engine.db["audit"].rows)
    assert [(a["channel"], a["actor"], a["action"]) for a in audit] == [("wecom", "staff_li", "stats")]


@pytest.mark.asyncio
async def test_reload_refuses_a_broken_base_and_keeps_answering(server, wecom_engine, kb_dir: Path, api) -> None:
    peer, callback = server
    faq = kb_dir / "faq" / "trademark.yaml"
    good = faq.read_text(encoding="utf-8")
    faq.write_text(good.replace("topic: trademark", "topic: trademarks", 1), encoding="utf-8")
    refused = await peer.final_reply("staff_li", "/reload", callback, api)
    assert refused.startswith("知识库有 1 个错误，已拒绝加载")
    assert "unknown topic 'trademarks'" in refused
    assert "9个月" in await peer.say("firm_a", "商标注册要多久")
    faq.write_text(good, encoding="utf-8")
    assert (await peer.final_reply("staff_li", "/reload", callback, api)).startswith("知识库已重新加载：6 条问答")
    actions = [(a["action"], json.loads(a["detail"])["ok"]) for a in wecom_engine.db["audit"].rows]
    assert actions == [("reload", False), ("reload", True)]
