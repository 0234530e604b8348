"""/forget on the console: after a salt rotation, nothing in the database or the Engine names the user."""
from __future__ import annotations

from privacy_traces import links, traces

from bot.answering.engine import Engine
from bot.reach.deadlines import Deadlines
from bot.storage.events import EventLog, Salts
from handlers.console import CHANNEL, ConsoleSession

USER = "alice-4242"
QUESTIONS = ("我们厂的商业秘密被员工带走了", "商标注册要多久")


def test_console_forget_leaves_no_trace_under_any_salt(engine: Engine, desk, fixture_kb, clock) -> None:
    session = ConsoleSession(engine, USER)
    engine.events = EventLog(engine.db, Salts(("old-salt",)))
    session.send(QUESTIONS[0])
    session.send("转人工")
    engine.events = EventLog(engine.db, Salts(("new-salt", "old-salt")))  # BOT_SALT rotated
    session.send(QUESTIONS[1])
    session.send("转人工 " + QUESTIONS[1])
    Deadlines(engine.db, 9, {}).add(engine.events.firm(CHANNEL, USER), "质押", "2027-06-30", "", fixture_kb.facts,
                                    clock.now())
    other = ConsoleSession(engine, "bob")
    other.send("商标续展怎么办")
    assert links(engine.db, USER, engine.events.every_user(CHANNEL, USER), engine.events.every_firm(CHANNEL, USER)) == []

    assert session.send("/forget").text.startswith("已删除。")

    pseudonyms = engine.events.every_user(CHANNEL, USER) + engine.events.every_firm(CHANNEL, USER)
    assert traces(engine.db, USER, pseudonyms, QUESTIONS) == []
    assert not any(p in engine.conversations for p in pseudonyms)
    assert engine.db["events"].count_where("user = ?", [engine.events.user(CHANNEL, "bob")]) == 1
    assert engine.db["tickets"].count == 2  # anonymised: the counts stay
