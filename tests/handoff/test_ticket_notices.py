"""Ticket notices on the outbox (bot/handoff/notices.py): RetryAfter waited out, a notice in flight when
the process dies delivered once after the restart, one limit per channel shared with broadcasts'
copies, pending notices of an older database delivered after the upgrade, and an answer the firm's
session rules refuse kept waiting (told to the claimer) until the firm writes."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from reminders_fakes import FakeSender, add_firms
from sqlite_utils import Database

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import ALL_MIGRATIONS, Services, build_services, open_db
from bot.common.clock import ManualClock, simulated_sleep
from bot.common.schedule import When
from bot.common.settings_handoff import Staff
from bot.delivery.outbox import BROADCAST, Audience, Outbox
from bot.delivery.sender import RetryAfter, SessionClosed
from bot.handoff.desk import attach_desk

pytestmark = pytest.mark.asyncio
QUESTION = "转人工 商标被抢注了"


def process(engine: Engine, settings, clock: ManualClock, sender: FakeSender) -> Services:
    """One channel process over the database: the core services with `sender` as Telegram's Sender,
    the specialist telegram:9 on duty, delivery waiting on the manual clock."""
    desk = attach_desk(engine, settings, clock)
    desk.config = replace(desk.config, city_pool=(Staff("telegram", "9"),))
    services = build_services(settings, clock, engine=engine, sleep=simulated_sleep(clock))
    services.add_sender(sender)
    return services


def copy_of(db, notice_id: int) -> dict:
    return next(db["outbox"].rows_where("kind = 'ticket_notice' and ref = ?", [notice_id]))


async def test_a_notice_hitting_retry_after_waits_it_out(engine: Engine, settings, clock) -> None:
    sender = FakeSender(clock, errors={"9": [RetryAfter(30)]})
    services = process(engine, settings, clock, sender)
    asked = clock.now()
    engine.handle(Message("telegram", "42", QUESTION))
    await services.delivery.flush()  # refused: the pass leaves it to the loop, due when the wait is over
    assert sender.sent == [] and copy_of(engine.db, 1)["next_attempt"] == "2026-11-25T02:00:30.000+00:00"
    services.delivery.start()
    while not sender.sent:
        await asyncio.sleep(0)
    await services.delivery.stop()
    [(when, chat, said)] = sender.sent
    assert (chat, when - asked) == ("9", timedelta(seconds=30)) and said.startswith("🆕 转人工工单 #1")
    assert (engine.db["ticket_notices"].get(1)["status"], copy_of(engine.db, 1)["attempts"]) == ("sent", 2)


async def test_a_notice_in_flight_when_the_process_dies_goes_once_after_the_restart(
    engine: Engine, settings, clock
) -> None:
    hanging = FakeSender(clock, hang_after=0)  # the platform takes the message and never answers
    first = process(engine, settings, clock, hanging)
    engine.handle(Message("telegram", "42", QUESTION))
    flushing = asyncio.create_task(first.delivery.flush())
    while not hanging.hung:
        await asyncio.sleep(0)
    flushing.cancel()  # the process dies during the platform call
    await asyncio.gather(flushing, return_exceptions=True)
    assert copy_of(engine.db, 1)["status"] == "sending"

    sender = FakeSender(clock)
    restarted = process(engine, settings, clock, sender)
    await restarted.delivery.flush()
    await restarted.delivery.flush()
    assert sender.chats() == ["9"]
    copy = copy_of(engine.db, 1)
    assert (copy["status"], copy["repeated"], engine.db["ticket_notices"].get(1)["status"]) == ("sent", 1, "sent")


async def test_an_answer_the_session_refuses_waits_is_told_to_the_claimer_and_goes_when_the_firm_writes(
    engine: Engine, settings, clock
) -> None:
    sender = FakeSender(clock)
    services = process(engine, settings, clock, sender)
    engine.handle(Message("telegram", "42", QUESTION))
    services.desk.claim(Staff("telegram", "9"), 1)
    await services.delivery.flush()
    sender.errors["42"] = [SessionClosed("window used up")]
    services.desk.answer(Staff("telegram", "9"), 1, "请先固定证据。")
    await services.delivery.flush()
    answer = next(engine.db["ticket_notices"].rows_where("kind = 'answer'"))
    assert (answer["status"], copy_of(engine.db, answer["id"])["status"]) == ("waiting", "waiting")
    assert sender.sent[-1][1] == "9" and sender.sent[-1][2].startswith("⏳ 工单 #1 的答复已记录")
    calls = sender.calls
    await services.delivery.flush()
    assert sender.calls == calls  # not retried on a timer

    assert services.delivery.reopen("telegram", ["42", *engine.events.every_seal("42")]) == 1
    await services.delivery.flush()
    assert sender.sent[-1][1] == "42" and "请先固定证据。" in sender.sent[-1][2]
    assert engine.db["ticket_notices"].get(answer["id"])["status"] == "sent"


async def test_notices_and_broadcast_copies_share_one_limit_per_channel(engine: Engine, settings, clock) -> None:
    sender = FakeSender(clock)
    services = process(engine, settings, clock, sender)
    add_firms(engine.db, 5, now=clock.now())
    outbox = Outbox(engine.db)
    outbox.fire(outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=clock.now()),
                clock.now())
    engine.handle(Message("telegram", "42", QUESTION))
    await services.delivery.dispatcher.run(until_idle=True)
    assert sorted(sender.chats()) == ["1", "2", "3", "4", "5", "9"]
    times = [when for when, _, _ in sender.sent]
    limit = services.reminders.limits["telegram"]
    assert all(later - earlier >= timedelta(seconds=1 / limit.per_second) for earlier, later in zip(times, times[1:]))


async def test_pending_notices_of_an_older_database_are_delivered(tmp_path: Path, settings, fixture_kb,
                                                                 clock) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    before = {"reminders": "004_outbox_kinds", "tickets": "004_notices_into_outbox"}
    for migration_set in ALL_MIGRATIONS:  # the schema when notices had their own queue
        migration_set.apply(old, stop_before=before.get(migration_set.name))
    old["tickets"].insert({"id": 1, "created": "2026-11-20T02:00:00+00:00", "user": "h1", "channel": "telegram",
                           "address": "sealed", "language": "zh", "question": "商标被抢注了", "topic": "trademark",
                           "guesses": "[]", "station_types": "[]", "status": "open", "internal": 0})
    for chat, status in (("7", "sent"), ("8", "sending"), ("9", "pending")):
        old["ticket_notices"].insert({"ticket_id": 1, "created": "2026-11-20T02:00:00+00:00", "channel": "telegram",
                                      "chat_id": chat, "role": "specialist", "kind": "offer", "status": status,
                                      "attempts": int(status != "pending")})
    old.conn.close()
    db = open_db(path)
    sender = FakeSender(clock)
    await process(Engine(fixture_kb, settings, db, clock), settings, clock, sender).delivery.flush()
    assert sorted(sender.chats()) == ["8", "9"]  # the one in flight when the old process stopped goes again
    assert [n["status"] for n in db["ticket_notices"].rows] == ["sent", "sent", "sent"]
    assert [(c["chat_id"], c["repeated"]) for c in db["outbox"].rows] == [("8", 1), ("9", 0)]
