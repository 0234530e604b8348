"""/forget on Telegram, through the real Application: after a salt rotation nothing in the database, the
Engine or the flood limiter names the firm (issue 15 item 5)."""
from __future__ import annotations

import pytest
from privacy_traces import links, traces
from tg_harness import FIRM

from bot.answering.engine import Engine
from bot.storage.events import EventLog, Salts
from handlers.telegram.context import SERVICES_KEY

pytestmark = pytest.mark.asyncio
QUESTIONS = ("我们厂的商业秘密被员工带走了", "我的商标被抢注了", "商标注册要多久")


async def test_telegram_forget_leaves_no_trace_under_any_salt(tg, engine: Engine) -> None:
    engine.events = EventLog(engine.db, Salts(("old-salt",)))
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "邵武市")
    await tg.say(FIRM, QUESTIONS[0])
    await tg.say(FIRM, "转人工")
    await tg.say(FIRM, "/subscribe")
    await tg.press(FIRM, "➕ 商标")
    engine.events = EventLog(engine.db, Salts(("new-salt", "old-salt")))  # BOT_SALT rotated
    await tg.say(FIRM, "/start")
    await tg.say(FIRM, QUESTIONS[2])
    await tg.press(FIRM, "👎")
    await tg.say(FIRM, "转人工 " + QUESTIONS[1])
    await tg.say(FIRM, "/deadline 商标 2027-03-15 第12345678号")
    await tg.say(FIRM + 1, "专利年费怎么交")  # someone else, untouched
    assert links(engine.db, str(FIRM), engine.events.every_user("telegram", str(FIRM)),
                 engine.events.every_firm("telegram", str(FIRM))) == []  # open tickets name no chat

    await tg.say(FIRM, "/forget")
    await tg.press(FIRM, "确认删除")

    pseudonyms = engine.events.every_user("telegram", str(FIRM)) + engine.events.every_firm("telegram", str(FIRM))
    assert traces(engine.db, str(FIRM), pseudonyms, (*QUESTIONS, "第12345678号")) == []
    assert not any(p in engine.conversations for p in pseudonyms)
    flood = tg.app.bot_data[SERVICES_KEY].flood
    assert FIRM not in flood._accepted and FIRM not in flood._warned
    assert FIRM not in tg.app.user_data and FIRM not in tg.app.chat_data
    assert engine.db["events"].count_where("user = ?", [engine.events.user("telegram", str(FIRM + 1))]) == 1


async def test_the_firms_table_joins_no_event_or_ticket(tg, engine: Engine) -> None:
    await tg.say(FIRM, "/start")
    await tg.press(FIRM, "邵武市")
    await tg.say(FIRM, QUESTIONS[2])
    await tg.say(FIRM, "转人工 " + QUESTIONS[1])
    firm_keys = {row["user"] for row in engine.db["firms"].rows}
    assert firm_keys and not firm_keys & {row["user"] for row in engine.db["events"].rows}
    assert not firm_keys & {row["user"] for row in engine.db["tickets"].rows}
