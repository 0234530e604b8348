"""Issue 15 on Telegram: 👍/👎 only from the answer's own user and once (item 4); specialist commands and
a firm's own buttons only in private chats, so a group never sees a firm's details nor moves its chat (item 6)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from tg_harness import BOT_USERNAME, FIRM, SPECIALIST, Bot

from bot.answering.engine import Engine

pytestmark = pytest.mark.asyncio

OTHER_FIRM = FIRM + 1
GROUP = {"id": -100200, "type": "supergroup", "title": "茶企群"}
PRIVATE_ONLY = "请在与我的私聊中使用这个命令。"


async def press_data(tg: Bot, user_id: int, data: str, chat: dict[str, Any] | None = None) -> None:
    """A button press with callback data of the presser's choosing (any client can send it) on a bot
    message in `chat` (the presser's private chat unless given)."""
    await tg.process({"callback_query": {
        "id": f"forged-{data}", "from": tg.user(user_id), "chat_instance": "c", "data": data,
        "message": {"message_id": 1, "date": 0, "chat": chat or tg.private(user_id)},
    }})


def feedback(engine: Engine) -> list[dict]:
    return list(engine.db.query("select * from events where kind = 'feedback' order by id"))


def firm_row(engine: Engine, user_id: int = FIRM) -> dict:
    return next(engine.db.query("select * from firms where user = ?", [engine.events.firm("telegram", str(user_id))]))


async def answered(tg: Bot, engine: Engine, user_id: int = FIRM, chat: dict | None = None) -> int:
    """`user_id` asks a question (in `chat`); the id of the answer's event."""
    await tg.say(user_id, "商标注册要多久", chat=chat)
    tg.new()
    return next(engine.db.query("select id from events where kind = 'question' order by id desc limit 1"))["id"]


# ---- item 4: feedback ----------------------------------------------------------------------------

async def test_another_user_cannot_rate_an_answer_with_forged_buttons(tg, engine: Engine) -> None:
    event_id = await answered(tg, engine)
    for value in ("u", "d"):
        await press_data(tg, OTHER_FIRM, f"f:{event_id}:{value}")
    assert feedback(engine) == []
    alerts = [c.params.get("text") for c in tg.new("answerCallbackQuery")]
    assert alerts == ["只有提问的人可以评价这个回答。"] * 2
    assert tg.new("sendMessage") == []  # no handoff offer to the presser either


async def test_in_a_group_only_the_asker_rates_the_answer(tg, engine: Engine) -> None:
    mention = [{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}]
    await tg.say(FIRM, f"@{BOT_USERNAME} 商标注册要多久", chat=GROUP, entities=mention)
    tg.new()
    event_id = next(engine.db.query("select id from events where kind = 'question'"))["id"]
    await press_data(tg, OTHER_FIRM, f"f:{event_id}:d", chat=GROUP)
    assert feedback(engine) == []
    await press_data(tg, FIRM, f"f:{event_id}:u", chat=GROUP)
    assert [json.loads(f["detail"])["value"] for f in feedback(engine)] == ["up"]


async def test_an_answer_is_rated_once_per_user(tg, engine: Engine) -> None:
    event_id = await answered(tg, engine)
    await press_data(tg, FIRM, f"f:{event_id}:u")
    await press_data(tg, FIRM, f"f:{event_id}:u")
    await press_data(tg, FIRM, f"f:{event_id}:d")
    assert [(f["reply_to"], json.loads(f["detail"])["value"]) for f in feedback(engine)] == [(event_id, "up")]


async def test_feedback_on_a_missing_or_non_answer_event_is_refused(tg, engine: Engine) -> None:
    await press_data(tg, FIRM, "f:999999:u")
    await press_data(tg, FIRM, f"f:{10**30}:u")
    assert feedback(engine) == []


# ---- item 6: private chats only --------------------------------------------------------------------

@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_specialist_commands_in_a_group_are_refused_and_post_nothing(tg, engine: Engine, chat_type) -> None:
    group = {**GROUP, "type": chat_type}
    await answered(tg, engine)  # something for /stats and /tickets to show
    await tg.say(FIRM, "转人工")
    tg.new()
    for command in ("/stats", f"/stats@{BOT_USERNAME} all", "/gaps", "/tickets", "/claim 1", "/reload", "/reminders"):
        await tg.say(SPECIALIST, command, chat=group)
        sent = tg.new("sendMessage", "sendPhoto")
        assert [(c.params["chat_id"], c.params.get("text")) for c in sent] == [(group["id"], PRIVATE_ONLY)], command
    assert engine.db["audit"].count == 0


async def test_specialist_commands_in_a_channel_post_nothing(tg, engine: Engine) -> None:
    channel = {"id": -100300, "type": "channel", "title": "通知频道"}
    await tg.process({"channel_post": {"message_id": 5, "date": 0, "chat": channel, "text": "/stats",
                                       "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}})
    assert tg.new() == [] and engine.db["audit"].count == 0


@pytest.mark.parametrize("data", ["p:c:邵武市", "p:n:1", "s:+:trademark", "s:-:notices", "l:en", "x:y"])
async def test_a_firms_own_buttons_pressed_in_a_group_change_nothing(tg, engine: Engine, data) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "建阳区")
    tg.new()
    before = firm_row(engine)
    await press_data(tg, FIRM, data, chat=GROUP)
    assert firm_row(engine) == before  # chat id, county, notices, language: all as they were
    assert engine.db["subscriptions"].count == 0
    sent = tg.new("sendMessage", "editMessageText", "answerCallbackQuery")
    assert all(c.params.get("chat_id") != GROUP["id"] for c in sent if c.method != "answerCallbackQuery")
