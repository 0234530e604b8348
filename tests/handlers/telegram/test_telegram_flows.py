"""End-to-end Telegram conversations through Application.process_update, offline."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tg_harness import BOT_ID, BOT_USERNAME, FIRM, labels, start_bot

from bot.answering.engine import Engine

pytestmark = pytest.mark.asyncio


def events(engine: Engine, kind: str | None = None) -> list[dict]:
    return [r for r in engine.db["events"].rows if kind is None or r["kind"] == kind]


def firm_row(engine: Engine, user_id: int = FIRM) -> dict | None:
    user = engine.events.firm("telegram", str(user_id))
    return next(engine.db.query("select * from firms where user = ?", [user]), None)


async def test_start_profile_question_follow_up_and_feedback(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    welcome, ask_county = tg.new("sendMessage")
    assert "知创助手" in welcome.params["text"] and "/forget" in welcome.params["text"]
    assert "不构成法律意见" in welcome.params["text"]
    assert "商标" in labels(welcome) and "专利开放许可" in labels(welcome)
    assert "邵武市" in labels(ask_county) and "跳过" in labels(ask_county)

    await tg.press(FIRM, "邵武市")
    assert "行业" in tg.texts()[0]
    await tg.press(FIRM, "茶叶")
    assert "服务通知" in tg.texts()[0]
    await tg.press(FIRM, "接收")
    assert tg.texts() == ["企业资料：县区 邵武市 · 行业 茶叶 · 服务通知 接收。用 /profile 修改。"]
    firm = firm_row(engine)
    assert (firm["county"], firm["industry"], firm["notices"], firm["chat_id"]) == ("邵武市", "tea", 1, str(FIRM))

    await tg.say(FIRM, "商标注册要多久？")
    [answer] = tg.new("sendMessage")
    assert "9个月" in answer.params["text"] and answer.params["parse_mode"] == "HTML"
    assert labels(answer) == ["注册商标的官费", "商标续展", "去哪里办？", "👍", "👎"]
    question = events(engine, "question")[-1]
    assert (question["intent"], question["county"], question["language"], question["internal"]) == (
        "tm_duration", "邵武市", "zh", 0)

    await tg.press(FIRM, "商标续展")
    [follow_up] = tg.new("sendMessage")
    assert "期满前12个月内办理续展" in follow_up.params["text"]
    choice = events(engine, "choice")[-1]
    assert (choice["intent"], choice["reply_to"]) == ("tm_renewal", question["id"])

    await tg.press(FIRM, "👍")
    thanks, edited = tg.new("answerCallbackQuery", "editMessageReplyMarkup")[-2:]
    assert thanks.params["text"] == "谢谢您的反馈！"
    assert "👍" not in str(edited.params.get("reply_markup"))
    feedback = events(engine, "feedback")
    assert len(feedback) == 1
    assert (feedback[0]["reply_to"], feedback[0]["intent"], json.loads(feedback[0]["detail"])) == (
        choice["id"], "tm_renewal", {"value": "up"})


async def test_profile_is_asked_once_and_can_be_skipped(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    tg.new()
    await tg.press(FIRM, "跳过")
    await tg.press(FIRM, "跳过")
    await tg.press(FIRM, "不接收")
    assert tg.texts()[-1] == "企业资料：县区 未填写 · 行业 未填写 · 服务通知 不接收。用 /profile 修改。"
    await tg.say(FIRM, "/start")
    assert len(tg.new("sendMessage")) == 1  # the welcome only: no second round of questions
    await tg.say(FIRM, "/profile")
    [profile] = tg.new("sendMessage")
    assert "县区 未填写" in profile.params["text"] and "建阳区" in labels(profile)
    await tg.press(FIRM, "南平市（市本级）")
    assert firm_row(engine)["county"] == "city"


async def test_english_client_and_lang_command(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start", lang="en")
    welcome = tg.new("sendMessage")[0]
    assert welcome.params["text"].startswith("Hello, I am 知创助手")
    assert "not legal advice" in welcome.params["text"] and "Trademarks" in labels(welcome)
    await tg.say(FIRM, "/lang zh")
    assert tg.texts()[0] == "已切换为中文。"
    await tg.say(FIRM, "/lang")
    await tg.press(FIRM, "English")
    assert "Language set to English." in tg.texts()
    assert firm_row(engine)["language"] == "en"
    await tg.say(FIRM, "商标注册要多久")  # Chinese text, English profile: the answer follows the profile
    [answer] = tg.new("sendMessage")
    assert answer.params["text"].startswith("Substantive examination")
    assert events(engine, "question")[-1]["language"] == "en"


async def test_clarify_choices_are_buttons_and_pressing_one_answers(settings, fixture_kb, fresh_db, clock) -> None:
    strict = replace(settings, matching=replace(settings.matching, answer_margin=60, answer_lead=100))
    bot = await start_bot(strict, Engine(fixture_kb, strict, fresh_db, clock), clock)
    await bot.say(FIRM, "商标续展的费用")
    [clarify] = bot.new("sendMessage")
    assert clarify.params["text"] == "您想问的是以下哪一个？"
    choices = labels(clarify)
    assert "商标续展" in choices and "👍" not in choices
    await bot.press(FIRM, "商标续展")
    [answer] = bot.new("sendMessage")
    assert "续展" in answer.params["text"] and labels(answer)[-2:] == ["👍", "👎"]
    await bot.app.shutdown()
    assert bot.errors == []


async def test_fallback_offers_topics_and_handoff(tg, engine: Engine) -> None:
    await tg.say(FIRM, "明天天气怎么样")
    [fallback] = tg.new("sendMessage")
    assert "转人工" in fallback.params["text"]
    assert "商标" in labels(fallback) and labels(fallback)[-1] == "留给专员"
    await tg.press(FIRM, "商标")
    [menu] = tg.new("sendMessage")
    assert set(labels(menu)) == {"商标注册要多长时间", "注册商标的官费", "商标续展"}
    await tg.say(FIRM, "我的茶叶包装被人仿冒了")
    tg.new()
    await tg.press(FIRM, "留给专员")
    assert tg.texts()[0].startswith("已转给人工服务专员（工单 #1）。问题：我的茶叶包装被人仿冒了")
    assert [r["question"] for r in engine.db["tickets"].rows] == ["我的茶叶包装被人仿冒了"]


async def test_html_is_escaped_and_long_answers_are_split_at_paragraphs(tg, engine: Engine, kb_dir) -> None:
    import yaml

    from bot.app import load_knowledge

    path = kb_dir / "faq" / "open_license.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    paragraphs = [f"第{n}段：开放许可<声明>与许可费 & 公告。" + "许可条件说明。" * 250 for n in "一二三四五"]
    entries[0]["answer"] = "\n\n".join(paragraphs)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    engine.load(load_knowledge(kb_dir))

    await tg.say(FIRM, "什么是专利开放许可")
    parts = tg.new("sendMessage")
    texts = [p.params["text"] for p in parts]
    assert len(parts) == 3 and all(len(t) <= 4096 for t in texts)
    assert all(t.startswith("第") for t in texts)  # every message starts a paragraph
    assert "&lt;声明&gt;与许可费 &amp; 公告" in texts[0] and "<声明>" not in "".join(texts)
    assert [bool(p.params.get("reply_markup")) for p in parts] == [False, False, True]
    assert "".join(texts).count("许可条件说明") == 1250


async def test_sticker_photo_and_voice_get_a_text_reply_and_skip_the_engine(tg, engine: Engine) -> None:
    for content in (
        {"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False}},
        {"photo": [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "证书.pdf"}},
    ):
        await tg.process({"message": tg.message(FIRM, **content)})
    assert tg.texts() == ["我目前只能阅读文字消息。请用文字输入您的问题，例如「商标注册要多久」。"] * 4
    assert events(engine) == []


async def test_in_a_group_the_bot_answers_only_when_mentioned_or_replied_to(tg, engine: Engine) -> None:
    group = {"id": -100200, "type": "supergroup", "title": "茶企群"}
    await tg.say(FIRM, "商标注册要多久", chat=group)
    await tg.process({"message": tg.message(FIRM, chat=group, sticker={
        "file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False})})
    assert tg.new() == [] and events(engine) == []

    mention = f"@{BOT_USERNAME} 商标注册要多久"
    await tg.say(FIRM, mention, chat=group, entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}])
    [answer] = tg.new("sendMessage")
    assert "9个月" in answer.params["text"] and answer.params["chat_id"] == group["id"]
    assert answer.params["reply_parameters"]["message_id"] > 0
    assert events(engine, "question")[-1]["intent"] == "tm_duration"

    bot_message = {"message_id": 77, "date": 0, "chat": group, "from": {"id": BOT_ID, "is_bot": True,
                                                                       "first_name": "知创助手"}, "text": "…"}
    await tg.say(FIRM, "注册商标多少钱", chat=group, reply_to_message=bot_message)
    assert "270元" in tg.texts()[0]
    await tg.say(FIRM, "/forget", chat=group)
    assert tg.texts() == ["请在与我的私聊中使用这个命令。"]
    for command in ("/help@other_bot", "/frobnicate", f"/frobnicate@{BOT_USERNAME}"):
        await tg.say(FIRM, command, chat=group)  # another bot's command, or one we do not have
    assert tg.texts() == []
    await tg.say(FIRM, f"/help@{BOT_USERNAME}", chat=group)
    assert "/topics" in tg.texts()[0]


async def test_flood_limit_replies_once_and_keeps_the_flood_from_the_engine(tg, engine: Engine, clock) -> None:
    from datetime import timedelta

    from tg_harness import FLOOD_MESSAGES

    for _ in range(FLOOD_MESSAGES + 5):
        await tg.say(FIRM, "商标注册要多久")
    texts = tg.texts()
    assert len(events(engine, "question")) == FLOOD_MESSAGES
    assert texts.count("您发送得太快了，请 60 秒后再提问。") == 1 and len(texts) == FLOOD_MESSAGES + 1
    await tg.say(FIRM + 1, "商标注册要多久")  # another user is not affected
    assert len(events(engine, "question")) == FLOOD_MESSAGES + 1
    clock.advance(timedelta(seconds=61))
    await tg.say(FIRM, "商标注册要多久")
    assert len(events(engine, "question")) == FLOOD_MESSAGES + 2


async def test_flood_limit_counts_messages_not_button_taps(tg, engine: Engine) -> None:
    from tg_harness import FLOOD_MESSAGES

    await tg.say(FIRM, "商标注册要多久")
    answer = tg.new("sendMessage")[0]
    for _ in range(FLOOD_MESSAGES + 5):  # a firm exploring the buttons
        await tg.press(FIRM, "商标续展", on=answer)
    assert len(events(engine, "choice")) == FLOOD_MESSAGES + 5
    assert all(c.params.get("text") is None for c in tg.new("answerCallbackQuery"))  # no flood notice
    await tg.say(FIRM, "商标续展要多少钱")
    assert len(events(engine, "question")) == 2


async def test_no_command_after_forget_silently_recreates_the_firm(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "邵武市")
    await tg.say(FIRM, "/forget")
    await tg.press(FIRM, "确认删除")
    assert firm_row(engine) is None
    for command in ("/start", "/help", "/topics", "/profile", "/lang", "/subscribe", "/unsubscribe",
                    "/mydeadlines", "/station", "/forget"):
        await tg.say(FIRM, command)
        assert firm_row(engine) is None, command
    await tg.say(FIRM, "/profile")
    await tg.press(FIRM, "建阳区")  # answering stores the profile again
    assert firm_row(engine)["county"] == "建阳区"


async def test_subscribe_and_unsubscribe_store_topics(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/subscribe")
    [offer] = tg.new("sendMessage")
    assert "目前没有订阅任何主题" in offer.params["text"] and "➕ 商标" in labels(offer)
    await tg.press(FIRM, "➕ 商标")
    await tg.press(FIRM, "➕ 专利")
    [edited] = tg.new("editMessageText")[-1:]
    assert "已订阅：商标、专利" in edited.params["text"] and "➕ 商标" not in labels(edited)
    user = engine.events.firm("telegram", str(FIRM))
    assert {r["topic"] for r in engine.db["subscriptions"].rows_where("user = ?", [user])} == {"trademark", "patent"}
    await tg.say(FIRM, "/unsubscribe")
    await tg.press(FIRM, "✖ 商标")
    assert [r["topic"] for r in engine.db["subscriptions"].rows] == ["patent"]
    assert firm_row(engine)["chat_id"] == str(FIRM)


async def test_forget_erases_the_firm_and_unlinks_past_events(tg, engine: Engine) -> None:
    engine.db["deadlines"].insert({"user": engine.events.firm("telegram", str(FIRM)), "due": "2027-01-01"})
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "邵武市")
    await tg.say(FIRM, "商标注册要多久")
    await tg.press(FIRM, "👎")
    await tg.say(FIRM, "转人工 我的商标被抢注了")
    await tg.say(FIRM, "/subscribe")
    await tg.press(FIRM, "➕ 商标")
    await tg.say(FIRM + 1, "商标注册要多久")  # someone else, untouched
    before = len(events(engine))

    await tg.say(FIRM, "/forget")
    tg.new()
    await tg.press(FIRM, "取消")
    assert tg.texts() == ["已取消，没有删除任何资料。"] and firm_row(engine) is not None
    await tg.press(FIRM, "确认删除")
    assert "已删除" in tg.texts()[0]

    user, firm = engine.events.user("telegram", str(FIRM)), engine.events.firm("telegram", str(FIRM))
    assert firm_row(engine) is None
    for table, key in (("subscriptions", firm), ("deadlines", firm), ("tickets", user)):
        assert engine.db[table].count_where("user = ?", [key]) == 0, table
    rows = events(engine)
    assert len(rows) == before
    assert all(r["user"] != user for r in rows)
    assert [r["question"] for r in rows if r["user"] is None and r["kind"] == "question"] == [None]
    others = [r for r in rows if r["user"] is not None]
    assert len(others) == 1 and others[0]["question"]  # the other user's question is kept


async def test_blocking_the_bot_marks_the_firm_inactive(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "跳过")  # the first answer stores the profile

    def member_update(status: str) -> dict:
        return {"my_chat_member": {
            "chat": tg.private(FIRM), "from": tg.user(FIRM), "date": 0,
            "old_chat_member": {"status": "member", "user": {"id": BOT_ID, "is_bot": True, "first_name": "b"}},
            "new_chat_member": {"status": status, "user": {"id": BOT_ID, "is_bot": True, "first_name": "b"},
                                **({"until_date": 0} if status == "kicked" else {})},
        }}

    await tg.process(member_update("kicked"))
    assert firm_row(engine)["active"] == 0
    await tg.process(member_update("member"))
    assert firm_row(engine)["active"] == 1


async def test_help_topics_and_unknown_command(tg) -> None:
    await tg.say(FIRM, "/help")
    [help_text] = tg.texts()
    assert "/subscribe" in help_text and "/stats" not in help_text
    await tg.say(FIRM, "/topics")
    [menu] = tg.new("sendMessage")
    assert len(labels(menu)) == 11
    await tg.say(FIRM, "/frobnicate")
    assert tg.texts() == ["没有这个命令，发送 /help 查看可用命令。"]
    await tg.say(FIRM, f"@{BOT_USERNAME}")
    assert tg.texts() == ["请直接输入您的知识产权问题，例如「商标注册要多久」。"]


async def test_forget_also_drops_the_conversation_the_engine_remembers(tg, engine: Engine) -> None:
    await tg.say(FIRM, "我们厂的商业秘密被员工带走了")  # a fallback a specialist could take
    await tg.say(FIRM, "/forget")
    await tg.press(FIRM, "确认删除")
    tg.new()
    await tg.say(FIRM, "转人工")
    assert tg.texts() == ["请先输入您想问专员的问题，再回复「转人工」。"]
    assert engine.db["tickets"].count == 0
