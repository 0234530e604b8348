"""Human handoff through Telegram, offline: fallback → 转人工 → claim → answer → follow-up → close, the
claim race, escalation on timeout, office hours, 👎 and clarify handoffs, and who may do what."""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from settings_helper import write_settings
from tg_harness import FIRM, SPECIALIST, labels, start_bot

from bot.answering.engine import Engine
from bot.app import check_knowledge
from bot.common.config import Settings
from handlers.telegram.context import SERVICES_KEY

pytestmark = pytest.mark.asyncio

STAFF_B, CITY_STAFF = 9002, 9003  # B is on duty for 邵武市 with SPECIALIST; the city pool is CITY_STAFF
FIRM_QUESTION = "我们厂的商业秘密被员工带走了"


@pytest.fixture
def settings(tmp_path: Path, kb_dir: Path) -> Settings:
    return write_settings(
        tmp_path, kb_dir,
        f"specialists:\n  telegram: [{SPECIALIST}, {STAFF_B}, {CITY_STAFF}]\n"
        "handoff:\n"
        f"  duty:\n    邵武市: [telegram:{SPECIALIST}, telegram:{STAFF_B}]\n    city: [telegram:{CITY_STAFF}]\n"
        "  claim_timeout_minutes: 30\n  check_seconds: 60\n"
        '  office_hours: {days: [mon, tue, wed, thu, fri], start: "08:30", end: "17:30"}\n',
    )


@pytest.fixture
def bot(tg):
    """The shared Telegram harness (tests/handlers/telegram/conftest.py), under this module's duty roster."""
    return tg


def to(calls, chat_id: int) -> list:
    return [c for c in calls if str(c.params.get("chat_id")) == str(chat_id)]


def ticket(engine: Engine, ticket_id: int = 1) -> dict:
    return engine.db["tickets"].get(ticket_id)


async def firm_in_shaowu(bot) -> None:
    await bot.say(FIRM, "/start")
    await bot.press(FIRM, "邵武市")
    await bot.press(FIRM, "跳过")
    await bot.press(FIRM, "不接收")
    bot.new()


async def firm_forgets(bot) -> None:
    """The firm erases itself with /forget (confirmed)."""
    await bot.say(FIRM, "/forget")
    await bot.press(FIRM, "确认删除")
    bot.new()


async def hand_off(bot, question: str = FIRM_QUESTION) -> str:
    """The firm asks, gets the fallback, and types 转人工; returns the bot's confirmation."""
    await bot.say(FIRM, question)
    await bot.say(FIRM, "转人工")
    calls = bot.new("sendMessage")
    return to(calls, FIRM)[-1].params["text"]


async def test_fallback_to_a_specialist_and_back_until_the_firm_closes(bot, engine: Engine, clock) -> None:
    await firm_in_shaowu(bot)
    await bot.say(FIRM, FIRM_QUESTION)
    [fallback] = bot.new("sendMessage")
    assert fallback.params["text"].startswith("抱歉") and labels(fallback)[-1] == "留给专员"
    await bot.say(FIRM, "转人工")
    sent = bot.new("sendMessage")
    [confirmation] = to(sent, FIRM)
    assert confirmation.params["text"] == (
        f"已转给人工服务专员（工单 #1）。问题：{FIRM_QUESTION}\n专员接手后会在这里答复您，通常在 30 分钟内。\n"
        "专员只看到您的问题和县区，看不到您的账号信息。")
    # the specialists on duty for 邵武市 get it at once, the city pool does not
    [offer_a], [offer_b] = to(sent, SPECIALIST), to(sent, STAFF_B)
    assert to(sent, CITY_STAFF) == []
    for offer in (offer_a, offer_b):
        said = offer.params["text"]
        assert said.startswith("🆕 转人工工单 #1\n县区：邵武市\n问题：我们厂的商业秘密被员工带走了\n机器人的猜测：")
        assert str(FIRM) not in said and "Firm" not in said  # nothing identifies the firm's account
        assert labels(offer) == ["认领"]

    clock.advance(timedelta(minutes=5))
    await bot.press(SPECIALIST, "认领")
    calls = bot.new()
    claimed_view = [c for c in to(calls, SPECIALIST) if c.method == "editMessageText"][0]
    assert claimed_view.params["text"].startswith("✅ 您已认领工单 #1\n县区：邵武市") and labels(claimed_view) == ["关闭工单"]
    [taken] = [c for c in to(calls, STAFF_B) if c.method == "editMessageText"]
    assert taken.params["message_id"] == offer_b.result["message_id"]
    assert taken.params["text"] == "工单 #1 已由其他专员认领，无需处理。"
    assert to(calls, FIRM)[0].params["text"] == "👩‍💼 人工服务专员已接手您的问题（工单 #1），答复会发到这里。"

    clock.advance(timedelta(minutes=10))
    await bot.say(SPECIALIST, "请先固定证据，再到邵武市维权工作站咨询。", reply_to=offer_a)
    calls = bot.new("sendMessage")
    assert to(calls, SPECIALIST)[0].params["text"] == "已把答复发给企业（工单 #1）。"
    [answer] = to(calls, FIRM)
    assert answer.params["text"].startswith("💬 人工服务专员答复（工单 #1）：\n请先固定证据，再到邵武市维权工作站咨询。")
    assert labels(answer) == ["✅ 已解决"]
    assert str(SPECIALIST) not in answer.params["text"]  # nor the specialist's account to the firm

    await bot.say(FIRM, "需要准备哪些证据？", reply_to=answer)  # the firm replies back
    calls = bot.new("sendMessage")
    assert to(calls, FIRM)[0].params["text"] == "已转给专员（工单 #1）。"
    [follow_up] = to(calls, SPECIALIST)
    assert follow_up.params["text"].startswith("💬 企业追问（工单 #1）：\n需要准备哪些证据？")
    await bot.say(SPECIALIST, "劳动合同、保密协议和带走资料的记录。", reply_to=follow_up)
    assert to(bot.new("sendMessage"), FIRM)[0].params["text"].startswith("💬 人工服务专员答复（工单 #1）：\n劳动合同")

    clock.advance(timedelta(minutes=20))
    await bot.press(FIRM, "✅ 已解决")
    calls = bot.new("sendMessage")
    assert to(calls, FIRM)[0].params["text"] == "工单 #1 已关闭，谢谢！"
    assert to(calls, SPECIALIST)[0].params["text"].startswith("✅ 企业已关闭工单 #1（问题已解决）。")

    row = ticket(engine)
    assert (row["status"], row["closed_by"], row["claimed_by"], row["county"]) == (
        "closed", "firm", f"telegram:{SPECIALIST}", "邵武市")
    assert (row["created"], row["claimed_at"], row["first_response_at"], row["closed_at"]) == (
        "2026-11-25T02:00:00+00:00", "2026-11-25T02:05:00+00:00", "2026-11-25T02:15:00+00:00",
        "2026-11-25T02:35:01+00:00")  # the second answer waited out Telegram's 1 s between messages to a chat
    thread = [(m["author"], m["text"][:4]) for m in engine.db["ticket_messages"].rows]
    assert thread == [("specialist", "请先固定"), ("firm", "需要准备"), ("specialist", "劳动合同")]
    # the handoff event links the ticket to the fallback that led to it
    handoff = engine.db["events"].get(row["event_id"])
    question = engine.db["events"].get(row["reply_to"])
    assert (handoff["kind"], handoff["reply_to"], question["decision"]) == ("handoff", question["id"], "fallback")
    assert [(a["action"], a["actor"]) for a in engine.db["audit"].rows] == [
        ("ticket_claim", str(SPECIALIST)), ("ticket_reply", str(SPECIALIST)), ("ticket_reply", str(SPECIALIST))]


async def test_a_second_specialist_cannot_claim_or_answer_a_claimed_ticket(bot, engine: Engine) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    offer_b = bot.button("认领", chat_id=STAFF_B)[0]
    await bot.press(SPECIALIST, "认领")
    bot.new()
    await bot.press(STAFF_B, "认领")  # the button of its (already edited) offer, pressed late
    answered, edited = bot.new("answerCallbackQuery", "editMessageText")
    assert answered.params["text"] == "工单 #1 已由其他专员认领。"
    assert edited.params["text"] == "工单 #1 已由其他专员认领。" and "reply_markup" not in edited.params
    await bot.say(STAFF_B, "/claim 1")
    await bot.say(STAFF_B, "我来答", reply_to=offer_b)
    await bot.say(STAFF_B, "/close 1")
    assert bot.texts() == ["工单 #1 已由其他专员认领。"] * 3
    assert ticket(engine)["claimed_by"] == f"telegram:{SPECIALIST}" and ticket(engine)["status"] == "claimed"
    assert engine.db["ticket_messages"].count == 0


async def test_a_firm_cannot_reach_the_specialist_commands(bot, engine: Engine) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    for command in ("/claim 1", "/reply 1 我自己答", "/draft 1", "/tickets"):
        await bot.say(FIRM, command)
        assert bot.texts() == ["抱歉，这个命令仅限人工服务专员使用。"], command
    await bot.process({"callback_query": {  # a forged claim button
        "id": "forged", "from": bot.user(FIRM), "chat_instance": "c", "data": "tk:c:1",
        "message": {"message_id": 1, "date": 0, "chat": bot.private(FIRM)},
    }})
    [alert] = bot.new("answerCallbackQuery")
    assert alert.params["text"] == "抱歉，这个命令仅限人工服务专员使用。"
    await bot.say(FIRM + 1, "/close 1")  # another firm cannot close it either
    assert bot.texts() == ["您目前没有进行中的转人工工单。有问题可以直接提问，或回复「转人工」。"]
    row = ticket(engine)
    assert (row["status"], row["claimed_by"]) == ("open", None)
    assert engine.db["audit"].count == 0


async def test_ordinary_questions_and_replies_still_reach_the_engine(bot, engine: Engine) -> None:
    await firm_in_shaowu(bot)
    await bot.say(FIRM, "商标注册要多久")
    [answer] = bot.new("sendMessage")
    await bot.say(FIRM, "费用呢？", reply_to=answer)  # a reply to an ordinary answer: a follow-up question
    assert "270元" in bot.texts()[0]
    await bot.say(FIRM, "回复专员 还有问题")  # the explicit words, without a ticket
    assert bot.texts() == ["您目前没有进行中的转人工工单。有问题可以直接提问，或回复「转人工」。"]
    await hand_off(bot)
    await bot.say(FIRM, "回复专员：员工是上个月离职的")  # before anyone claimed it
    assert bot.texts() == ["已补充到工单 #1，专员接手后会看到。"]
    await bot.press(SPECIALIST, "认领")
    view = [c for c in bot.new() if c.method == "editMessageText" and str(c.params["chat_id"]) == str(SPECIALIST)]
    assert "企业补充：员工是上个月离职的" in view[0].params["text"]


async def test_unclaimed_tickets_escalate_to_the_city_pool_once(bot, engine: Engine, clock) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    svc = bot.app.bot_data[SERVICES_KEY]
    clock.advance(timedelta(minutes=29))
    assert svc.desk.check() == []
    clock.advance(timedelta(minutes=2))
    assert svc.desk.check() == [1]
    assert svc.desk.check() == []  # once only
    await svc.delivery.flush()
    calls = bot.new("sendMessage")
    assert {str(c.params["chat_id"]) for c in calls} == {str(SPECIALIST), str(STAFF_B), str(CITY_STAFF)}
    for call in calls:
        assert call.params["text"].startswith("⏰ 工单 #1 已等待 30 分钟无人认领，现同时通知市级专员。\n县区：邵武市")
        assert labels(call) == ["认领"]
    await bot.press(CITY_STAFF, "认领")
    assert ticket(engine)["claimed_by"] == f"telegram:{CITY_STAFF}"
    edits = bot.new("editMessageText")
    taken = {str(c.params["chat_id"]) for c in edits if c.params["text"].startswith("工单 #1 已由其他专员认领")}
    assert taken == {str(SPECIALIST), str(STAFF_B)}  # both offers to each, edited
    assert len([c for c in edits if str(c.params["chat_id"]) == str(STAFF_B)]) == 2


async def test_the_periodic_round_escalates_on_its_own(settings, engine, clock) -> None:
    """post_init starts the delivery service, whose tick runs the desk's check; it waits with the injected
    sleep, which here moves the clock."""
    rounds = 0

    async def sleep(seconds: float) -> None:
        nonlocal rounds
        rounds += 1
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    from tg_harness import TOKEN

    from handlers.telegram import build_application
    from handlers.telegram.offline import OfflineRequest

    request = OfflineRequest()
    app = build_application(settings, request=request, clock=clock, engine=engine, token=TOKEN, sleep=sleep)
    await app.initialize()
    engine.handle(engine_message(FIRM, "转人工 商标被抢注了怎么办"))
    await app.post_init(app)
    for _ in range(5000):
        if any(c.params.get("text", "").startswith("⏰") for c in request.sent("sendMessage")):
            break
        await asyncio.sleep(0)
    await app.post_stop(app)
    await app.shutdown()
    overdue = [c for c in request.sent("sendMessage") if c.params["text"].startswith("⏰ 工单 #1")]
    assert {str(c.params["chat_id"]) for c in overdue} == {str(CITY_STAFF)}  # no county: the city pool
    row = ticket(engine)
    waited = datetime.fromisoformat(row["escalated_at"]) - datetime.fromisoformat(row["created"])
    assert timedelta(minutes=30) <= waited <= timedelta(minutes=31)  # checked once a minute on the service's tick
    assert rounds > 30 and not app.bot_data[SERVICES_KEY].delivery.running


def engine_message(user: int, typed: str):
    from bot.answering.ports import Message

    return Message("telegram", str(user), typed)


async def test_out_of_hours_the_firm_is_told_when_to_expect_an_answer(bot, engine, clock) -> None:
    clock.set(datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # Friday 19:00 in Nanping
    await firm_in_shaowu(bot)
    said = await hand_off(bot)
    assert said.split("\n")[1] == (
        "现在是非工作时间（专员工作时间：周一至周五 08:30–17:30，北京时间），专员将在 11月30日（周一）08:30 上班后尽快答复您。")
    svc = bot.app.bot_data[SERVICES_KEY]
    clock.set(datetime(2026, 11, 30, 0, 59, tzinfo=UTC))  # Monday 08:59: 29 office minutes
    assert svc.desk.check() == []
    clock.advance(timedelta(minutes=1))
    assert svc.desk.check() == [1]


async def test_thumbs_down_offers_the_question_to_a_specialist(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await bot.say(FIRM, "商标注册要多久")
    bot.new()
    await bot.press(FIRM, "👎")
    [offer] = to(bot.new("sendMessage"), FIRM)
    assert offer.params["text"] == "抱歉没能帮到您。需要的话，可以把问题留给人工服务专员。"
    assert labels(offer) == ["留给专员"]
    await bot.press(FIRM, "留给专员")
    assert to(bot.new("sendMessage"), FIRM)[0].params["text"].startswith("已转给人工服务专员（工单 #1）。问题：商标注册要多久")
    row = ticket(engine)
    assert (row["topic"], json.loads(row["guesses"])[0]["intent"]) == ("trademark", "tm_duration")
    assert json.loads(row["station_types"]) == ["trademark_window"]


async def test_thumbs_down_on_an_earlier_answer_files_that_question(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await bot.say(FIRM, "商标注册要多久")
    [rated] = bot.new("sendMessage")
    await bot.say(FIRM, "什么是专利开放许可")
    bot.new()
    await bot.press(FIRM, "👎", on=rated)
    bot.new()
    await bot.press(FIRM, "留给专员")
    assert to(bot.new("sendMessage"), FIRM)[0].params["text"].startswith("已转给人工服务专员（工单 #1）。问题：商标注册要多久")
    row = ticket(engine)
    asked = next(engine.db.query("select id from events where kind = 'question' and intent = 'tm_duration'"))
    assert (row["question"], row["reply_to"]) == ("商标注册要多久", asked["id"])
    assert json.loads(row["guesses"])[0]["intent"] == "tm_duration"


async def test_a_clarify_nobody_likes_goes_to_a_specialist(settings, fixture_kb, fresh_db, clock) -> None:
    from dataclasses import replace

    strict = replace(settings, matching=replace(settings.matching, answer_margin=60, answer_lead=100))
    engine = Engine(fixture_kb, strict, fresh_db, clock)
    bot = await start_bot(strict, engine, clock)
    await bot.say(FIRM, "商标续展的费用")
    [clarify] = bot.new("sendMessage")
    assert labels(clarify)[-1] == "都不是，留给专员"
    await bot.press(FIRM, "都不是，留给专员")
    assert engine.db["tickets"].get(1)["question"] == "商标续展的费用"
    guesses = [g["intent"] for g in json.loads(engine.db["tickets"].get(1)["guesses"])]
    assert "tm_renewal" in guesses and "tm_fee" in guesses
    offers = to(bot.new("sendMessage"), CITY_STAFF)  # no county: the city pool
    assert "机器人的猜测：" in offers[0].params["text"] and "商标续展" in offers[0].params["text"]
    await bot.app.shutdown()
    assert bot.errors == []


async def test_specialist_lists_tickets_and_drafts_a_good_answer(bot, engine, kb_dir) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    await bot.say(SPECIALIST, "/tickets")
    assert bot.texts() == [f"待处理的工单：\n#1 · 待认领 · 邵武市 · {FIRM_QUESTION}"]
    await bot.say(SPECIALIST, "/draft 1")
    assert bot.texts() == ["工单 #1 还没有专员答复，不能写成草稿。"]
    await bot.say(SPECIALIST, "/reply 1 商业秘密被侵犯，可以向市场监管部门举报，\n也可以起诉。")  # claims it too
    bot.new()
    await bot.say(SPECIALIST, "/draft 1")
    assert bot.texts() == ["已写成知识草稿 knowledge/drafts/ticket_1.yaml。审核人补充问法、英文答复并核对数据后，"
                           "移入 knowledge/faq/ 即可发布。"]
    await bot.say(SPECIALIST, "/draft 1")
    assert bot.texts() == ["草稿 knowledge/drafts/ticket_1.yaml 已存在，请直接编辑。"]
    kb, problems = check_knowledge(kb_dir)
    assert kb is not None and "ticket_1" not in kb.entries  # drafts are never live
    drafted = [str(p) for p in problems if "drafts/ticket_1.yaml" in p.file]
    assert drafted and all(p.startswith("warning: knowledge/drafts/ticket_1.yaml: ticket_1: ") for p in drafted)
    assert any("answer_en: missing" in p for p in drafted)
    await bot.say(SPECIALIST, "/close 1")
    assert bot.texts()[0] == "工单 #1 已关闭。"
    assert to(bot.new("sendMessage"), FIRM) == []  # already flushed with the command's update
    assert ticket(engine)["closed_by"] == "specialist"


async def test_forget_takes_the_firm_out_of_its_tickets(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    await bot.say(FIRM, "回复专员 我们是做茶叶的")
    await firm_forgets(bot)
    row = ticket(engine)
    assert (row["user"], row["address"], row["question"], row["status"], row["closed_by"]) == (
        None, None, None, "closed", "forgotten")
    assert row["county"] == "邵武市" and engine.db["ticket_messages"].count == 0
    await bot.press(SPECIALIST, "认领")
    assert bot.new("answerCallbackQuery")[0].params["text"] == "工单 #1 已关闭。"


async def test_without_specialists_start_up_warns_and_the_firm_is_told_where_its_question_went(
    tmp_path, kb_dir, fixture_kb, fresh_db, clock, caplog
) -> None:
    unstaffed = write_settings(tmp_path, kb_dir)  # the shipped config: no specialist anywhere
    with caplog.at_level("WARNING"):
        bot = await start_bot(unstaffed, Engine(fixture_kb, unstaffed, fresh_db, clock), clock)
    assert any("no specialist" in r.getMessage() and "telegram" in r.getMessage() for r in caplog.records)
    await bot.say(FIRM, FIRM_QUESTION)
    await bot.say(FIRM, "转人工")
    said = bot.texts()[-1]
    assert "已转给" not in said
    assert said.startswith(f"已记录您的问题（工单 #1）：{FIRM_QUESTION}\n目前没有人工服务专员值班")
    await bot.app.shutdown()
    assert bot.errors == []


async def test_the_ticket_carries_the_question_the_firm_means(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await bot.say(FIRM, "商标注册要多久")
    [first] = bot.new("sendMessage")
    await bot.say(FIRM, "那续展呢？")  # a follow-up: only clear with the question before it
    await bot.say(FIRM, "转人工")
    assert ticket(engine, 1)["question"] == "那续展呢？（上文：商标注册要多久）"
    await bot.say(FIRM, "那续展呢？")
    await bot.press(FIRM, "注册商标的官费", on=first)  # then picks another choice
    await bot.say(FIRM, "转人工")
    assert ticket(engine, 2)["question"] == "注册商标的官费"


async def test_a_long_claimed_view_keeps_its_tail(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    additions = [f"补充{n}：" + "证据材料清单。" * 250 for n in range(1, 4)]  # 3 × ~1,750 characters
    for addition in additions:
        await bot.say(FIRM, f"回复专员 {addition}")
    bot.new()
    await bot.press(SPECIALIST, "认领")
    shown = "".join(c.params["text"] for c in to(bot.new("editMessageText", "sendMessage"), SPECIALIST))
    assert all(addition[:4] in shown for addition in additions)
    assert "/draft 1" in shown  # the hint at the very end is not lost


async def test_draft_of_a_ticket_whose_firm_used_forget_says_it_was_erased(bot, engine) -> None:
    await firm_in_shaowu(bot)
    await hand_off(bot)
    await bot.say(SPECIALIST, "/reply 1 可以向市场监管部门举报。")
    await firm_forgets(bot)
    await bot.say(SPECIALIST, "/draft 1")
    assert bot.texts() == ["工单 #1 的企业已删除自己的资料（/forget），问题和答复已随之抹去，不能写成草稿。"]
