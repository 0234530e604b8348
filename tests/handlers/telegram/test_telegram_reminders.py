"""Reminders through the real Telegram Application (offline Bot API): the specialists' /broadcast flow,
/reminders and /cancel_reminder, delivery through the Telegram sender, firms' deadlines and footers."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from reminders_fakes import knowledge_with_reminder_facts
from tg_harness import FIRM, SPECIALIST, labels, start_bot

from bot.answering.engine import Engine
from bot.app import load_knowledge
from bot.common.clock import SHANGHAI, simulated_sleep
from bot.common.settings_reach import DeliverySettings, RateLimit, ReminderSettings
from bot.delivery.dispatch import Dispatcher
from bot.delivery.outbox import Audience, Outbox
from bot.firms.profiles import Profiles
from bot.reach.reminders import build_dispatcher
from handlers.telegram.reminders import REMINDERS_KEY
from handlers.telegram.sender import TelegramSender

pytestmark = pytest.mark.asyncio
SHAOWU_TEA = (2001, 2002, 2003)  # subscribed to trademark, in 邵武市, tea
OTHERS = (2004, 2005)  # accept notices, 建瓯市


async def firm(
    tg, user_id: int, county: str, industry_label: str, notices: str, topics: tuple[str, ...] = ()
) -> None:
    """A firm as it signs up: /start, county, industry, notices, then topic subscriptions."""
    await tg.say(user_id, "/start")
    await tg.press(user_id, county)
    await tg.press(user_id, industry_label)
    await tg.press(user_id, notices)
    for topic in topics:
        await tg.say(user_id, "/subscribe")
        await tg.press(user_id, "➕ " + topic)


async def sign_up_firms(tg) -> None:
    for user_id in SHAOWU_TEA:
        await firm(tg, user_id, "邵武市", "茶叶", "不接收", ("商标",))
    for user_id in OTHERS:
        await firm(tg, user_id, "建瓯市", "竹业", "接收")
    tg.new()


def deliver(tg, clock) -> Dispatcher:
    """The delivery loop (with the scheduler) over the bot's own Bot (offline), on the manual clock."""
    services, state = tg.app.bot_data["services"], tg.app.bot_data[REMINDERS_KEY]
    settings = replace(state.settings, delivery=DeliverySettings(max_attempts=3))
    return build_dispatcher(
        services.engine.db,
        {"telegram": TelegramSender(tg.app.bot)},
        clock,
        settings,
        lambda: services.engine.kb,
        simulated_sleep(clock),
    )


def sent_to(tg, chat_id: int, since: int = 0) -> list[str]:
    """Texts sent to `chat_id` from the `since`-th Bot API call on."""
    return [
        c.params["text"]
        for c in tg.request.calls[since:]
        if c.method == "sendMessage" and str(c.params["chat_id"]) == str(chat_id)
    ]


async def test_non_specialists_are_refused_every_broadcast_command(tg, engine: Engine) -> None:
    for command in ("/broadcast 大家好", "/broadcast", "/reminders", "/cancel_reminder 1"):
        await tg.say(FIRM, command)
    assert tg.texts() == ["抱歉，这个命令仅限人工服务专员使用。"] * 4
    await tg.say(FIRM, "商标注册要多久")  # no draft was opened: a question is still a question
    assert "9个月" in tg.texts()[0]
    assert engine.db["broadcasts"].count == 0 and list(engine.db["audit"].rows) == []


async def test_compose_choose_a_combined_audience_preview_confirm_and_deliver(
    tg, engine: Engine, clock
) -> None:
    await sign_up_firms(tg)
    await tg.say(SPECIALIST, "/broadcast")
    assert tg.texts() == ["请发送要群发的内容（纯文本，最多 3500 字）。发送 /cancel 放弃。"]
    await tg.say(SPECIALIST, "2027年商标品牌指导站开放日\n欢迎企业参加。")
    [menu] = tg.new("sendMessage")
    assert "收件人：2 家企业" in menu.params["text"]  # default: every firm accepting notices
    assert labels(menu) == [
        "✅ 接收通知的企业",
        "按主题订阅 ▸",
        "按县区 ▸",
        "按行业 ▸",
        "下一步：发送时间 ▸",
        "取消",
    ]

    await tg.press(SPECIALIST, "按主题订阅 ▸")
    await tg.press(SPECIALIST, "▫️ 商标")
    [edited] = tg.new("editMessageText")[-1:]
    assert "受众：所有接收服务通知的企业，以及订阅了商标的企业\n收件人：5 家企业" in edited.params["text"]
    await tg.press(SPECIALIST, "◂ 返回")
    await tg.press(SPECIALIST, "按县区 ▸")
    await tg.press(SPECIALIST, "▫️ 邵武市")
    [edited] = tg.new("editMessageText")[-1:]
    assert "；限邵武市\n收件人：3 家企业" in edited.params["text"]
    await tg.press(SPECIALIST, "◂ 返回")
    await tg.press(SPECIALIST, "下一步：发送时间 ▸")
    await tg.press(SPECIALIST, "立即发送")
    [preview] = tg.new("sendMessage")
    assert preview.params["text"].splitlines() == [
        "预览（收件人看到的内容）：",
        "————",
        "2027年商标品牌指导站开放日",
        "欢迎企业参加。",
        "",
        "退订：/unsubscribe",
        "————",
        "受众：所有接收服务通知的企业，以及订阅了商标的企业；限邵武市",
        "收件人：3 家企业",
        "发送：立即",
    ]
    assert engine.db["broadcasts"].count == 0  # nothing before the confirm
    await tg.press(SPECIALIST, "✅ 确认发送")
    [done] = tg.texts()
    assert done.startswith("已安排群发 #1。发送：立即。")

    [audit] = list(engine.db["audit"].rows)
    detail = json.loads(audit["detail"])
    assert (audit["action"], audit["actor"], detail["id"], detail["recipients_now"]) == (
        "broadcast",
        str(SPECIALIST),
        1,
        3,
    )

    mark = len(tg.request.calls)
    totals = await deliver(tg, clock).run(until_idle=True)
    assert (totals.sent, totals.reports) == (3, 1)
    for user_id in SHAOWU_TEA:
        assert sent_to(tg, user_id, mark) == [
            "2027年商标品牌指导站开放日\n欢迎企业参加。\n\n退订：/unsubscribe"
        ]
    assert all(sent_to(tg, user_id, mark) == [] for user_id in OTHERS)
    assert sent_to(tg, SPECIALIST)[-1] == "📬 群发 #1 投递报告：送达 3 · 失败 0 · 已屏蔽 0 · 待发 0"


async def test_cancel_and_discard_send_nothing(tg, engine: Engine) -> None:
    await tg.say(SPECIALIST, "/broadcast 第一稿")
    await tg.press(SPECIALIST, "取消")
    await tg.say(SPECIALIST, "/broadcast")
    await tg.say(SPECIALIST, "/cancel")
    assert tg.texts()[-1] == "已放弃，没有发送任何消息。"
    await tg.say(SPECIALIST, "商标注册要多久")  # the draft is gone: this is a question again
    assert "9个月" in tg.texts()[0]
    await tg.say(SPECIALIST, "/broadcast 第二稿")
    await tg.press(SPECIALIST, "下一步：发送时间 ▸")
    await tg.press(SPECIALIST, "立即发送")
    await tg.press(SPECIALIST, "取消")
    assert engine.db["broadcasts"].count == 0 and engine.db["audit"].count == 0


async def test_a_stale_button_is_refused(tg, engine: Engine) -> None:
    await tg.say(SPECIALIST, "/broadcast 旧稿")
    old_menu, data = tg.button("下一步：发送时间 ▸")
    await tg.say(SPECIALIST, "/broadcast 新稿")
    await tg.process(
        {
            "callback_query": {
                "id": "99",
                "from": tg.user(SPECIALIST),
                "chat_instance": "c",
                "data": data,
                "message": {**old_menu.result, "chat": tg.private(SPECIALIST)},
            }
        }
    )
    [answer] = tg.new("answerCallbackQuery")[-1:]
    assert answer.params["text"] == "这个草稿已失效，请重新发送 /broadcast。"


async def test_an_unfinished_draft_times_out_and_is_forgotten(settings, engine, clock, monkeypatch) -> None:
    """The conversation (python-telegram-bot's ConversationHandler) ends a draft left alone: the
    specialist is told, and what they type next is a question again."""
    from handlers.telegram import reminders as telegram_reminders

    monkeypatch.setattr(telegram_reminders, "DRAFT_TIMEOUT", timedelta(seconds=0.3))
    bot = await start_bot(settings, engine, clock)
    await bot.app.start()  # the JobQueue runs the timeout
    try:
        await bot.say(SPECIALIST, "/broadcast")
        bot.new()
        await asyncio.sleep(1.5)
        assert bot.texts() == ["这份群发草稿长时间没有完成，已自动放弃，没有发送任何消息。"]
        await bot.say(SPECIALIST, "商标注册要多久")
        assert "9个月" in bot.texts()[0]
        assert bot.app.user_data[SPECIALIST] == {}
    finally:
        await bot.app.stop()
        await bot.app.shutdown()
    assert bot.errors == []


async def test_schedule_monthly_list_and_cancel_by_id_audited(tg, engine: Engine, clock) -> None:
    await tg.say(SPECIALIST, "/broadcast 月度提醒：检查商标续展")
    await tg.press(SPECIALIST, "下一步：发送时间 ▸")
    await tg.press(SPECIALIST, "定时 / 重复…")
    tg.new()
    await tg.say(SPECIALIST, "2026-11-20 09:00")
    assert tg.texts()[0].startswith("2026-11-20 09:00 已经过去")
    await tg.say(SPECIALIST, "2027-02-30 09:00")
    assert tg.texts()[0].startswith("没有 2027-02-30 这一天")
    await tg.say(SPECIALIST, "2026-12-31 09:00 每月")
    [preview] = tg.texts()
    assert "发送：2026-12-31 09:00起每月（月末自动取当月最后一天）（北京时间）" in preview
    await tg.press(SPECIALIST, "✅ 确认发送")
    tg.new()

    await tg.say(SPECIALIST, "/reminders")
    [listing] = tg.texts()
    assert listing.splitlines()[1] == (
        "#1 · 发送：2026-12-31 09:00起每月（月末自动取当月最后一天）（北京时间） · 所有接收服务通知的企业 · 月度提醒：检查商标续展"
    )
    await tg.say(SPECIALIST, "/cancel_reminder 1")
    await tg.say(SPECIALIST, "/cancel_reminder 1")
    await tg.say(SPECIALIST, "/cancel_reminder x")
    assert tg.texts() == [
        "已取消 #1，不会再发送。",
        "#1 无法取消（状态：已取消），只能取消尚未发送的群发。",
        "用法：/cancel_reminder &lt;编号&gt;（编号见 /reminders）",
    ]  # HTML-escaped
    await tg.say(SPECIALIST, "/reminders")
    assert tg.texts() == ["目前没有待发的群发或提醒。"]
    actions = [
        (a["action"], a["detail"] and json.loads(a["detail"]).get("ok")) for a in engine.db["audit"].rows
    ]
    assert actions == [
        ("broadcast", None),
        ("reminders", None),
        ("cancel_reminder", True),
        ("cancel_reminder", False),
        ("cancel_reminder", False),
        ("reminders", None),
    ]
    clock.set(datetime(2027, 1, 1, tzinfo=SHANGHAI))
    assert Outbox(engine.db).due(clock.now()) == []  # cancelled: it never fires


async def test_platform_errors_through_the_telegram_sender(tg, engine: Engine, clock, monkeypatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as `run_bot.py telegram` sets it: RetryAfter in timedelta
    for user_id in (3001, 3002, 3003, 3004):
        await firm(tg, user_id, "延平区", "食品", "接收")
    tg.request.fail(3001, 429, "Too Many Requests: retry after 5", retry_after=5)
    tg.request.fail(3002, 403, "Forbidden: bot was blocked by the user")
    tg.request.fail(3003, 400, "Bad Request: chat not found")
    tg.request.fail(3004, 502, "Bad Gateway")
    await tg.say(SPECIALIST, "/broadcast 通知")
    await tg.press(SPECIALIST, "下一步：发送时间 ▸")
    await tg.press(SPECIALIST, "立即发送")
    await tg.press(SPECIALIST, "✅ 确认发送")
    tg.new()
    started = clock.now()
    await deliver(tg, clock).run(until_idle=True)
    copies = {r["chat_id"]: (r["status"], r["attempts"]) for r in engine.db["outbox"].rows}
    assert copies == {"3001": ("sent", 2), "3002": ("blocked", 1), "3003": ("failed", 1), "3004": ("sent", 2)}
    retried = datetime.fromisoformat(next(engine.db["outbox"].rows_where("chat_id = '3001'"))["sent_at"])
    assert retried - started >= timedelta(seconds=5)  # RetryAfter waited out
    user = engine.events.firm("telegram", "3002")
    assert Profiles(engine.db).get(user).active is False
    assert sent_to(tg, SPECIALIST)[-1] == "📬 群发 #1 投递报告：送达 2 · 失败 1 · 已屏蔽 1 · 待发 0"


async def test_unsubscribe_stops_service_notices_too(tg, engine: Engine) -> None:
    await firm(tg, FIRM, "邵武市", "茶叶", "接收", ("商标",))
    tg.new()
    await tg.say(FIRM, "/unsubscribe")
    [view] = tg.new("sendMessage")
    assert "服务通知：接收中" in view.params["text"] and labels(view) == ["✖ 商标", "✖ 服务通知"]
    await tg.press(FIRM, "✖ 服务通知")
    await tg.press(FIRM, "✖ 商标")
    user = engine.events.firm("telegram", str(FIRM))
    assert Profiles(engine.db).get(user).notices is False
    assert Outbox(engine.db).count_recipients(Audience(topics=("trademark",))) == 0


# ---- deadlines -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deadline_kb(tmp_path_factory: pytest.TempPathFactory):
    return load_knowledge(knowledge_with_reminder_facts(tmp_path_factory.mktemp("kb") / "knowledge"))


async def test_firms_add_list_and_remove_their_deadlines(tg, engine: Engine, deadline_kb, clock) -> None:
    engine.load(deadline_kb)
    await tg.say(FIRM, "/deadline")
    assert tg.texts()[0].startswith("登记期限提醒：/deadline 类型 日期 [备注]")
    await tg.say(FIRM, "/deadline 商标 2027-02-29")
    assert tg.texts() == ["没有 2027-02-29 这一天，请检查日期。"]
    await tg.say(FIRM, "/deadline 发明 2027-03-01")
    assert tg.texts()[0].startswith("不认识「发明」。")
    await tg.say(FIRM, "/deadline 商标 2027-03-15 第12345678号")
    assert tg.texts() == [
        "已登记：商标有效期 2027-03-15（第12345678号）。将在以下日期 09:00 提醒您："
        "2027-02-15、2027-03-16、2027-08-15。"
    ]
    await tg.say(FIRM, "/deadline patent 2027-01-10")
    tg.new()
    await tg.say(FIRM, "/mydeadlines")
    [listing] = tg.new("sendMessage")
    assert listing.params["text"].splitlines() == [
        "您登记的期限（点击删除）：",
        "#2 专利年费 2027-01-10 · 下次提醒：2026-12-10",
        "#1 商标有效期 2027-03-15（第12345678号） · 下次提醒：2027-02-15",
    ]
    await tg.press(FIRM, "✖ #2")
    [edited] = tg.new("editMessageText")
    assert "#2" not in edited.params["text"] and "#1 商标有效期" in edited.params["text"]

    clock.set(datetime(2027, 2, 15, 9, 0, tzinfo=SHANGHAI))
    await deliver(tg, clock).run(until_idle=True)
    assert sent_to(tg, FIRM)[-1] == (
        "⏰ 商标续展提醒（第12345678号）：注册商标将于 2027-03-15 到期（约还有1个月），请尽早办理续展。\n\n"
        "管理我的期限提醒：/mydeadlines"
    )


async def test_the_loop_starts_and_stops_with_the_application(
    settings, engine, clock, tmp_path
) -> None:
    assert settings.reminders == ReminderSettings()  # the defaults; here without limits, as the manual clock never moves
    unlimited = {"telegram": RateLimit(per_second=0, per_chat_seconds=0)}
    bot = await start_bot(replace(settings, reminders=replace(settings.reminders, limits=unlimited)), engine, clock)
    await firm(bot, 4001, "光泽县", "水产养殖", "接收")
    await bot.app.post_init(bot.app)
    await bot.say(SPECIALIST, "/broadcast 开放日通知")
    await bot.press(SPECIALIST, "下一步：发送时间 ▸")
    await bot.press(SPECIALIST, "立即发送")
    await bot.press(SPECIALIST, "✅ 确认发送")
    for _ in range(200):
        if sent_to(bot, SPECIALIST)[-1].startswith("📬"):
            break
        await asyncio.sleep(0.01)
    await bot.app.post_stop(bot.app)
    assert sent_to(bot, 4001)[-1] == "开放日通知\n\n退订：/unsubscribe"
    assert sent_to(bot, SPECIALIST)[-1] == "📬 群发 #1 投递报告：送达 1 · 失败 0 · 已屏蔽 0 · 待发 0"
    assert any(c.method == "setMyCommands" for c in bot.request.calls)
    await bot.app.shutdown()


async def test_retry_after_seconds_in_either_of_ptbs_forms(monkeypatch) -> None:
    from telegram.error import RetryAfter

    from handlers.telegram.sender import retry_seconds

    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    assert retry_seconds(RetryAfter(timedelta(seconds=7))) == 7.0
    monkeypatch.delenv("PTB_TIMEDELTA")
    with pytest.warns(DeprecationWarning):  # PTB 22 warns on building one with the int form
        exc = RetryAfter(3)
    assert retry_seconds(exc) == 3.0


async def test_subscribing_records_when_the_firm_consented(tg, engine: Engine, clock) -> None:
    await tg.say(FIRM, "/subscribe")
    await tg.press(FIRM, "➕ 专利")
    clock.advance(timedelta(days=3))
    await tg.press(FIRM, "➕ 商标")
    user = engine.events.firm("telegram", str(FIRM))
    consent = {
        r["topic"]: r["consented_at"] for r in engine.db["subscriptions"].rows_where("user = ?", [user])
    }
    assert consent == {"patent": "2026-11-25T02:00:00+00:00", "trademark": "2026-11-28T02:00:00+00:00"}
