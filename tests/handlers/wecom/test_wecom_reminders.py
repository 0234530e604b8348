"""Reminders on WeCom: the app's lifespan runs the delivery loop with the WeCom client as the sender;
firms unsubscribe with one word; specialists list and cancel broadcasts with text commands."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from settings_helper import write_settings
from wecom_fake import CREDENTIALS, FakeWeComAPI, WeComPeer, serve

from bot.answering.engine import Engine
from bot.app import build_services, open_db
from bot.common.schedule import When
from bot.common.settings_channels import WeComSettings
from bot.delivery.outbox import BROADCAST, Audience, Creator, Outbox
from bot.firms.profiles import Profiles
from handlers.wecom.server import build_app

pytestmark = pytest.mark.asyncio
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path):
    return write_settings(
        tmp_path, kb_dir,
        "specialists:\n  wecom: [staff_li]\n"
        # the test's clock never moves, so no spacing between sends here
        "reminders:\n  limits:\n    wecom: {per_second: 0, per_chat_seconds: 0}\n",
    )


@pytest.fixture
def engine(fixture_kb, settings, clock) -> Engine:
    return Engine(fixture_kb, settings, open_db(settings.db_path), clock)


def wecom_firm(engine: Engine, userid: str, channel: str = "wecom") -> str:
    profiles = Profiles(engine.db)
    user = engine.events.firm(channel, userid)
    profiles.ensure(user, channel, userid, "zh", NOW)
    profiles.update(user, NOW, notices=1)
    return user


async def test_the_apps_lifespan_delivers_wecom_copies_and_reports(engine: Engine, settings, clock) -> None:
    api = FakeWeComAPI()
    wecom_firm(engine, "firm_a")
    gone = wecom_firm(engine, "firm_left")  # no longer in the app's visible range
    wecom_firm(engine, "1001", channel="telegram")  # delivered by the Telegram process, not this one
    outbox = Outbox(engine.db)
    broadcast = outbox.create(
        kind=BROADCAST,
        text="知识产权宣传周活动通知",
        audience=Audience(),
        when=When(None),
        now=NOW,
        creator=Creator("wecom", "staff_li", "staff_li", "zh"),
    )
    app, _ = build_app(build_services(settings, clock, engine=engine), CREDENTIALS, WeComSettings(),
                       transport=api.transport())
    async with app.router.lifespan_context(app):
        for _ in range(300):
            if any(text.startswith("📬") for text in api.texts_to("staff_li")):
                break
            await asyncio.sleep(0.01)
    assert api.texts_to("firm_a") == ["知识产权宣传周活动通知\n\n退订：/unsubscribe"]
    assert Profiles(engine.db).get(gone).active is False
    assert api.texts_to("staff_li") == [f"📬 群发 #{broadcast} 投递报告：送达 1 · 失败 0 · 已屏蔽 1 · 待发 1"]
    pending = next(engine.db["outbox"].rows_where("channel = 'telegram'"))
    assert pending["status"] == "pending"  # waits for the Telegram process; nothing is lost


async def test_unsubscribe_stops_service_notices_as_well_as_topics(engine: Engine, settings, clock) -> None:
    user = wecom_firm(engine, "firm_a")
    Profiles(engine.db).subscribe(user, "trademark", NOW)
    api = FakeWeComAPI()
    http, callback = await serve(engine, settings, clock, api)
    async with http:
        peer = WeComPeer(http, clock)
        offer = await peer.say("firm_a", "/unsubscribe")  # what every broadcast's footer points to
        stopped = await peer.say("firm_a", "2")
        await peer.say("firm_a", "1")
    await callback.sender.aclose()
    assert offer.splitlines()[1:] == ["服务通知：接收中", "", "请选择要取消订阅的主题：", "  1. 商标", "  2. ✖ 服务通知",
                                      "回复 1/2 选择"]
    assert "服务通知" not in stopped
    assert Profiles(engine.db).get(user).notices is False and Profiles(engine.db).subscriptions(user) == []
    assert Outbox(engine.db).count_recipients(Audience(notices=True, topics=("trademark",))) == 0


async def test_specialists_list_and_cancel_broadcasts_by_text(engine: Engine, settings, clock) -> None:
    at = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    broadcast = Outbox(engine.db).create(
        kind=BROADCAST, text="年底提醒", audience=Audience(topics=("patent",)), when=When(at), now=NOW
    )
    api = FakeWeComAPI()
    http, callback = await serve(engine, settings, clock, api)
    async with http:
        peer = WeComPeer(http, clock)
        refused = await peer.say("firm_a", "/cancel_reminder 1")
        listing = await peer.say("staff_li", "/reminders")
        cancelled = await peer.say("staff_li", f"/cancel_reminder {broadcast}")
    await callback.sender.aclose()
    assert refused == "抱歉，这个命令仅限人工服务专员使用。"
    assert f"#{broadcast} · 发送：2026-12-01 09:30（北京时间） · 订阅了专利的企业 · 年底提醒" in listing
    assert cancelled == f"已取消 #{broadcast}，不会再发送。"
    audit = [(a["channel"], a["actor"], a["action"], a["detail"]) for a in engine.db["audit"].rows]
    assert audit[-1][:3] == ("wecom", "staff_li", "cancel_reminder")
    assert json.loads(audit[-1][3]) == {"id": broadcast, "ok": True}


async def test_specialists_compose_a_broadcast_by_text_with_preview_and_confirm(
    engine: Engine, settings, clock
) -> None:
    for number, county in enumerate(("邵武市", "邵武市", "建瓯市")):
        user = wecom_firm(engine, f"firm_{number}")
        Profiles(engine.db).update(user, NOW, county=county, industry="tea", notices=0)
        Profiles(engine.db).subscribe(user, "geographical_indication", NOW)
    api = FakeWeComAPI()
    http, callback = await serve(engine, settings, clock, api)
    async with http:
        peer = WeComPeer(http, clock)
        assert await peer.say("firm_0", "/broadcast 你好") == "抱歉，这个命令仅限人工服务专员使用。"
        assert (await peer.say("staff_li", "/broadcast")).startswith("请发送要群发的内容")
        first = await peer.say("staff_li", "武夷山地理标志产品展下月开幕")
        assert "收件人：0 家企业" in first and "回复「确认」发送" in first  # nobody accepts notices
        topics = await peer.say("staff_li", "主题 地理标志")
        assert "受众：所有接收服务通知的企业，以及订阅了地理标志的企业\n收件人：3 家企业" in topics
        bad = await peer.say("staff_li", "县区 火星")
        assert bad.startswith("不认识：火星") and "收件人：3 家企业" in bad
        narrowed = await peer.say("staff_li", "县区 邵武")
        assert "；限邵武市\n收件人：2 家企业" in narrowed
        timed = await peer.say("staff_li", "时间 2026-12-01 09:30 每年")
        assert "发送：2026-12-01 09:30起每年（北京时间）" in timed
        assert engine.db["broadcasts"].count == 0  # nothing before the confirm
        done = await peer.say("staff_li", "确认")
        question = await peer.say("staff_li", "商标注册要多久")  # the draft is closed: a question again
    await callback.sender.aclose()
    assert done.startswith("已安排群发 #1。发送：2026-12-01 09:30起每年（北京时间）。")
    assert "9个月" in question
    row = engine.db["broadcasts"].get(1)
    assert (row["recurrence"], row["creator_channel"], row["creator_chat"]) == ("yearly", "wecom", "staff_li")
    assert Outbox(engine.db).count_recipients(Audience.from_json(row["audience"])) == 2
    [audit] = [a for a in engine.db["audit"].rows if a["action"] == "broadcast"]
    assert (audit["channel"], audit["actor"]) == ("wecom", "staff_li")


async def test_a_broadcast_for_now_is_delivered_at_once(engine: Engine, settings, clock) -> None:
    """The running app (its lifespan runs the delivery loop): 确认 wakes the loop, no wait for its tick."""
    import httpx

    api = FakeWeComAPI()
    wecom_firm(engine, "firm_a")
    app, callback = build_app(build_services(settings, clock, engine=engine), CREDENTIALS, WeComSettings(),
                              transport=api.transport())
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.3)  # the loop has looked, found nothing, and waits for its next tick
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wecom.test")
        async with http:
            peer = WeComPeer(http, clock)
            await peer.say("staff_li", "/broadcast 今天下午知识产权讲座改到三楼")
            assert (await peer.say("staff_li", "确认")).startswith("已安排群发 #1。发送：立即。")
            for _ in range(40):  # well under the loop's 15-second tick
                if api.texts_to("firm_a"):
                    break
                await asyncio.sleep(0.05)
    await callback.sender.aclose()
    assert api.texts_to("firm_a") and api.texts_to("firm_a")[0].startswith("今天下午知识产权讲座改到三楼")
