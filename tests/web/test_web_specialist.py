"""The specialists' pages: the ticket queue of their duty counties, claim, answer and close with the firm
receiving the answer on its own channel; broadcasts with a live count, confirm and delivery report."""
from __future__ import annotations

import pytest
from web_harness import FIRM_CHAT, Recorder, log_in, post

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import build_services
from bot.common.clock import simulated_sleep
from bot.handoff.desk import attach_desk


@pytest.fixture
def telegram(db, web_settings, fixture_kb, clock):
    """The Telegram channel's process: its own Engine and desk over the same database."""
    engine = Engine(fixture_kb, web_settings, db, clock)
    attach_desk(engine, web_settings, clock)
    engine.handle(Message("telegram", FIRM_CHAT, "转人工 我们的茶叶商标被人抢注了怎么办", county="邵武市"))
    engine.handle(Message("telegram", "434343", "转人工 专利质押贷款利率多少", county="建阳区"))
    return engine


def firm_notices(telegram, courier: Recorder) -> list[str]:
    import asyncio

    services = build_services(telegram.settings, telegram.clock, engine=telegram, sleep=simulated_sleep(telegram.clock))
    services.add_sender(courier, courier)
    asyncio.run(services.delivery.flush())
    return [said for chat, said in courier.sent if chat == FIRM_CHAT]


def test_the_queue_holds_the_tickets_of_the_specialists_counties(client, telegram) -> None:
    log_in(client, "li")
    page = client.get("/tickets").text
    assert 'href="/tickets/1"' in page and "邵武市" in page and "茶叶商标被人抢注" in page
    assert 'href="/tickets/2"' not in page
    assert client.get("/tickets/2").status_code == 404  # 建阳区 is wang's
    assert FIRM_CHAT not in page and FIRM_CHAT not in client.get("/tickets/1").text


def test_claim_answer_close_and_the_firm_receives_the_answer(client, telegram, db) -> None:
    courier = Recorder()
    log_in(client, "li")
    page = post(client, "/tickets/1/claim", page="/tickets/1").text
    assert "已认领工单 #1" in page and "已认领" in page
    assert any("工单 #1" in said for said in firm_notices(telegram, courier))  # told it was claimed
    page = post(client, "/tickets/1/answer", {"body": "请尽快向商标局提出异议，并准备在先使用的证据。"}, page="/tickets/1").text
    assert '<pre class="answer">请尽快向商标局提出异议' in page
    assert any("请尽快向商标局提出异议，并准备在先使用的证据。" in said for said in firm_notices(telegram, courier))
    post(client, "/tickets/1/close", page="/tickets/1")
    assert db["tickets"].get(1)["status"] == "closed"
    assert db["tickets"].get(1)["first_response_at"] is not None
    actions = [(r["channel"], r["actor"], r["action"]) for r in db.query("select * from audit order by id")]
    assert ("telegram", "9001", "ticket_reply") in actions and ("telegram", "9001", "ticket_close") in actions


def test_someone_elses_claimed_ticket_cannot_be_answered(client, telegram, db) -> None:
    log_in(client, "li")
    post(client, "/tickets/1/claim", page="/tickets/1")
    client.cookies.clear()
    log_in(client, "wang")
    assert client.get("/tickets/1").status_code == 404  # li claimed it before it was escalated
    # had it been escalated, the city pool (wang) would see it, and still not answer it
    db.execute("update tickets set escalated_at = '2026-11-25T03:00:00+00:00' where id = 1")
    assert "此工单已由其他专员认领" in client.get("/tickets/1").text
    page = post(client, "/tickets/1/answer", {"body": "我来答"}, page="/tickets/1").text
    assert '<p class="note" role="status" id="done">工单 #1 已由其他专员认领。</p>' in page
    assert db.execute("select count(*) from ticket_messages").fetchone()[0] == 0


def test_ticket_pages_refuse_other_roles_and_actions(client, telegram) -> None:
    assert client.get("/tickets").headers["location"] == "/login?why=login"
    log_in(client, "ju")
    assert client.get("/tickets").status_code == 403
    assert client.get("/broadcasts").status_code == 403
    client.cookies.clear()
    log_in(client, "li")
    assert post(client, "/tickets/1/delete", page="/tickets/1").status_code == 404
    assert client.post("/tickets/1/claim", data={"csrf": "forged"}).status_code == 403


# ---- broadcasts -------------------------------------------------------------------------------------

@pytest.fixture
def firms(db, clock):
    rows = [("f1", "101", "邵武市", "tea", 1), ("f2", "102", "建阳区", "tea", 1), ("f3", "103", "邵武市", "bamboo", 0)]
    db["firms"].insert_all([
        {"user": user, "channel": "telegram", "chat_id": chat, "county": county, "industry": industry,
         "language": "zh", "notices": notices, "active": 1, "created": "2026-11-01T00:00:00+00:00",
         "updated": "2026-11-01T00:00:00+00:00"} for user, chat, county, industry, notices in rows])
    db["subscriptions"].insert({"user": "f3", "topic": "trademark", "consented_at": "2026-11-01T00:00:00+00:00"})


def test_a_broadcast_with_live_count_preview_confirm_and_report(client, firms, db) -> None:
    log_in(client, "li")
    page = post(client, "/broadcasts/new", {"notices": "1", "count": "1"}, page="/broadcasts/new").text
    assert "收件人：2 家企业" in page
    live = client.get("/broadcasts/count?notices=1&counties=邵武市&industries=tea").text  # the page's script asks
    assert live == "收件人：1 家企业（所有接收服务通知的企业；限邵武市；限茶叶行业；按当前订阅计算）"
    form = {"notices": "1", "counties": "邵武市", "topics": "trademark", "text": "12月1日起商标业务窗口搬迁。"}
    page = post(client, "/broadcasts/new", {**form, "preview": "1"}, page="/broadcasts/new").text
    assert "收件人：2 家企业" in page  # f1 by notices, f3 by its trademark subscription; f2 is elsewhere
    assert '<pre class="answer" id="preview">预览（收件人看到的内容）：' in page
    response = post(client, "/broadcasts/confirm", {**form, "when": "2026-12-01 09:00"}, page="/broadcasts/new")
    assert response.headers["location"] == "/broadcasts/1"
    page = client.get("/broadcasts/1").text
    assert "12月1日起商标业务窗口搬迁" in page and "2026-12-01 09:00" in page and "待发" in page
    row = db["broadcasts"].get(1)
    assert (row["created_by"], row["creator_channel"], row["status"]) == ("9001", "telegram", "scheduled")
    assert "已取消" in post(client, "/broadcasts/1/cancel", page="/broadcasts/1").text
    actions = [r["action"] for r in db.query("select action from audit order by id")]
    assert actions[-2:] == ["broadcast", "cancel_reminder"]
    assert "#1" in client.get("/broadcasts").text


def test_a_broadcast_needs_text_and_a_future_time(client, firms, db) -> None:
    log_in(client, "li")
    page = post(client, "/broadcasts/confirm", {"notices": "1", "text": "  "}, page="/broadcasts/new").text
    assert "群发内容不能为空" in page
    page = post(client, "/broadcasts/new", {"text": "通知", "when": "2020-01-01 09:00", "preview": "1"},
                page="/broadcasts/new").text
    assert "已经过去" in page and 'id="preview"' not in page
    assert db.execute("select count(*) from broadcasts").fetchone()[0] == 0
    assert client.get("/broadcasts/99").status_code == 404
