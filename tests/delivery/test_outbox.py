"""The outbox: broadcasts and copies as rows, fan-out, dedup, the delivery loop, limits and restarts."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from reminders_fakes import ROOT, FakeSender, add_firms

from bot.app import open_db
from bot.common.clock import SHANGHAI, ManualClock, simulated_sleep
from bot.common.schedule import MONTHLY, WEEKLY, When
from bot.common.settings_reach import DeliverySettings, RateLimit
from bot.delivery.dispatch import Dispatcher
from bot.delivery.outbox import BROADCAST, Audience, Creator, Delivery, Outbox
from bot.delivery.sender import PermanentError, RecipientBlocked, RetryAfter, SessionClosed, TransientError
from bot.delivery.service import DeliveryService
from bot.firms.profiles import Profiles

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SPECIALIST = Creator("telegram", "9001", "9001", "zh")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def dispatcher(db, clock, sender, **settings) -> Dispatcher:
    limits = {sender.channel: settings.pop("limit", RateLimit())}
    return Dispatcher(
        Outbox(db),
        {sender.channel: sender},
        clock,
        simulated_sleep(clock),
        limits=limits,
        settings=DeliverySettings(**settings),
    )


def statuses(db, broadcast_id: int) -> dict[str, int]:
    rows = db.query(
        "select status, count(*) n from outbox where broadcast_id = ? group by status", [broadcast_id]
    )
    return {row["status"]: row["n"] for row in rows}


# ---- audiences ------------------------------------------------------------------------------------


def test_overlapping_audiences_give_each_firm_one_copy(fresh_db) -> None:
    profiles = Profiles(fresh_db)
    users = add_firms(fresh_db, 6, now=NOW, county="邵武市")
    add_firms(fresh_db, 2, start=7, now=NOW, notices=0, county="建瓯市")  # u7, u8: no notices
    for user in users[:4] + ["u7"]:
        profiles.subscribe(user, "trademark", NOW)
    for user in users[2:5] + ["u7", "u8"]:
        profiles.subscribe(user, "patent", NOW)
    outbox = Outbox(fresh_db)
    audience = Audience(notices=True, topics=("trademark", "patent"))
    assert outbox.count_recipients(audience) == 8  # 6 with notices ∪ 5 + 5 subscribers, each once
    broadcast = outbox.create(kind=BROADCAST, text="hi", audience=audience, when=When(None), now=NOW)
    assert outbox.fire(broadcast, NOW) == broadcast
    chats = [r["chat_id"] for r in fresh_db["outbox"].rows]
    assert sorted(chats, key=int) == [str(n) for n in range(1, 9)]
    assert outbox.fire(broadcast, NOW) is None  # fired once only


def test_counties_and_industries_narrow_the_audience(fresh_db) -> None:
    add_firms(fresh_db, 3, now=NOW, county="邵武市", industry="tea")
    add_firms(fresh_db, 2, start=4, now=NOW, county="邵武市", industry="bamboo")
    add_firms(fresh_db, 2, start=6, now=NOW, county="建瓯市", industry="tea")
    Profiles(fresh_db).update("u1", NOW, active=0)  # blocked the bot
    outbox = Outbox(fresh_db)
    assert outbox.count_recipients(Audience()) == 6  # default: every firm that accepted notices
    assert outbox.count_recipients(Audience(counties=("邵武市",))) == 4
    assert outbox.count_recipients(Audience(counties=("邵武市",), industries=("tea",))) == 2
    assert outbox.count_recipients(Audience(industries=("tea", "bamboo"), counties=("建瓯市", "邵武市"))) == 6


# ---- delivery -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_copies_carry_the_footer_in_the_recipients_language_and_a_report_follows(
    fresh_db, clock
) -> None:
    add_firms(fresh_db, 2, now=NOW)
    add_firms(fresh_db, 1, start=3, now=NOW, language="en")
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(
        kind=BROADCAST, text="商标续展提醒", audience=Audience(), when=When(None), now=NOW, creator=SPECIALIST
    )
    outbox.fire(broadcast, NOW)
    sender = FakeSender(clock)
    totals = await dispatcher(fresh_db, clock, sender).run(until_idle=True)
    assert (totals.sent, totals.reports) == (3, 1)
    texts = {chat: text for _, chat, text in sender.sent}
    assert texts["1"] == "商标续展提醒\n\n退订：/unsubscribe"
    assert texts["3"] == "商标续展提醒\n\nunsubscribe: /unsubscribe"
    assert texts["9001"] == f"📬 群发 #{broadcast} 投递报告：送达 3 · 失败 0 · 已屏蔽 0 · 待发 0"
    assert sender.chats()[-1] == "9001"
    row = fresh_db["broadcasts"].get(broadcast)
    assert (row["status"], row["recipients"], row["reported_pending"]) == ("sent", 3, 0)


@pytest.mark.asyncio
async def test_limits_30_a_second_overall_and_1_a_second_per_chat(fresh_db, clock) -> None:
    add_firms(fresh_db, 90, now=NOW)
    outbox = Outbox(fresh_db)
    first = outbox.create(kind=BROADCAST, text="a", audience=Audience(), when=When(None), now=NOW)
    second = outbox.create(
        kind=BROADCAST, text="b", audience=Audience(users=("u1", "u2")), when=When(None), now=NOW
    )
    outbox.fire(second, NOW)
    outbox.fire(first, NOW)
    sender = FakeSender(clock)
    await dispatcher(fresh_db, clock, sender).run(until_idle=True)
    times = [t for t, _, _ in sender.sent]
    assert len(times) == 92
    assert all(b - a >= timedelta(seconds=1 / 30) for a, b in zip(times, times[1:]))
    assert abs((times[-1] - times[0]).total_seconds() - 91 / 30) < 0.001  # no slower than the limit needs
    for chat in ("1", "2"):
        mine = [t for t, c, _ in sender.sent if c == chat]
        assert len(mine) == 2 and mine[1] - mine[0] >= timedelta(seconds=1)


@pytest.mark.asyncio
async def test_retry_after_is_waited_out_and_the_copy_delivered(fresh_db, clock) -> None:
    add_firms(fresh_db, 3, now=NOW)
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW)
    outbox.fire(broadcast, NOW)
    sender = FakeSender(clock, errors={"1": [RetryAfter(7)]})
    totals = await dispatcher(fresh_db, clock, sender, concurrency=1).run(until_idle=True)
    assert (totals.sent, totals.retried) == (3, 1)
    assert sender.chats() == ["2", "3", "1"]
    # nothing at all went out during the 7 seconds Telegram asked for
    assert sender.sent[0][0] >= NOW + timedelta(seconds=7)
    copy = next(fresh_db["outbox"].rows_where("chat_id = '1'"))
    assert (copy["status"], copy["attempts"]) == ("sent", 2)


@pytest.mark.asyncio
async def test_network_errors_back_off_then_fail_and_permanent_errors_fail_at_once(fresh_db, clock) -> None:
    add_firms(fresh_db, 3, now=NOW)
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(
        kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW, creator=SPECIALIST
    )
    outbox.fire(broadcast, NOW)
    sender = FakeSender(
        clock,
        errors={
            "1": [TransientError("timed out"), TransientError("timed out")],
            "2": [TransientError("down")] * 3,
            "3": [PermanentError("chat not found")],
        },
    )
    await dispatcher(fresh_db, clock, sender, max_attempts=3, backoff_seconds=2).run(until_idle=True)
    rows = {r["chat_id"]: r for r in fresh_db["outbox"].rows}
    assert {c: (r["status"], r["attempts"]) for c, r in rows.items()} == {
        "1": ("sent", 3),
        "2": ("failed", 3),
        "3": ("failed", 1),
    }
    assert rows["3"]["last_error"] == "PermanentError: chat not found"
    delivered_at = datetime.fromisoformat(rows["1"]["sent_at"])
    assert delivered_at - NOW >= timedelta(seconds=2 + 4)  # backoff 2 s, then 4 s
    assert sender.sent[-1][2].endswith("送达 1 · 失败 2 · 已屏蔽 0 · 待发 0")


@pytest.mark.asyncio
async def test_forbidden_marks_the_firm_inactive_and_is_never_retried(fresh_db, clock) -> None:
    add_firms(fresh_db, 2, now=NOW)
    outbox = Outbox(fresh_db)
    sender = FakeSender(clock, errors={"1": [RecipientBlocked("Forbidden: bot was blocked by the user")]})
    for text in ("first", "second"):  # both fanned out before anything is sent
        broadcast = outbox.create(kind=BROADCAST, text=text, audience=Audience(), when=When(None), now=NOW)
        outbox.fire(broadcast, NOW)
    await dispatcher(fresh_db, clock, sender, concurrency=1).run(until_idle=True)
    assert Profiles(fresh_db).get("u1").active is False
    assert sender.calls == 3  # u1 once (blocked), u2 twice: u1's other copy never reaches the platform
    assert [r["status"] for r in fresh_db["outbox"].rows_where("chat_id = '1'")] == ["blocked", "blocked"]
    third = outbox.create(kind=BROADCAST, text="third", audience=Audience(), when=When(None), now=NOW)
    outbox.fire(third, NOW)
    assert statuses(fresh_db, third) == {"pending": 1}  # an inactive firm is no longer a recipient


@pytest.mark.asyncio
async def test_a_copy_the_session_refuses_waits_in_the_report_until_the_recipient_writes(fresh_db, clock) -> None:
    add_firms(fresh_db, 2, now=NOW)
    outbox = Outbox(fresh_db)
    sender = FakeSender(clock, errors={"1": [SessionClosed("window: 5 messages within 48 h used up")]})
    broadcast = outbox.create(kind=BROADCAST, text="hi", audience=Audience(), when=When(None), now=NOW,
                              creator=SPECIALIST)
    outbox.fire(broadcast, NOW)
    loop = dispatcher(fresh_db, clock, sender)
    totals = await loop.run(until_idle=True)
    assert (totals.sent, totals.waiting, totals.retried, totals.reports) == (1, 1, 0, 1)
    assert outbox.delivery(broadcast) == Delivery(delivered=1, waiting=1)
    assert sender.sent[-1][1] == "9001" and "其中 1 条等待微信客服会话重新开放" in sender.sent[-1][2]
    assert Profiles(fresh_db).get("u1").active is True  # not blocked: it waits
    calls = sender.calls
    clock.advance(timedelta(hours=1))
    await loop.run(until_idle=True)
    assert sender.calls == calls  # never retried on a timer

    assert outbox.reopen("telegram", ["1"], clock.now()) == 1
    await loop.run(until_idle=True)
    assert outbox.delivery(broadcast) == Delivery(delivered=2) and sender.chats()[-1] == "1"


# ---- scheduling and restarts ----------------------------------------------------------------------


def fire_due(outbox: Outbox):
    return lambda now: sum(outbox.fire(b, now) is not None for b in outbox.due(now))


@pytest.mark.asyncio
async def test_a_scheduled_broadcast_fires_at_its_time_after_a_restart(tmp_path: Path, clock) -> None:
    path = tmp_path / "bot.db"
    db = open_db(path)
    add_firms(db, 2, now=NOW)
    at = datetime(2026, 11, 26, 9, 30, tzinfo=SHANGHAI)
    Outbox(db).create(kind=BROADCAST, text="明早", audience=Audience(), when=When(at), now=NOW)
    db.conn.close()  # the process stops between scheduling and firing

    db = open_db(path)
    outbox = Outbox(db)
    sender = FakeSender(clock)
    loop = Dispatcher(
        outbox,
        {"telegram": sender},
        clock,
        simulated_sleep(clock),
        on_tick=fire_due(outbox),
        settings=DeliverySettings(idle_seconds=60),
    )
    task = asyncio.create_task(loop.run())
    while len(sender.sent) < 2:
        await asyncio.sleep(0)
    loop.stop()
    await task
    first = sender.sent[0][0]
    assert at <= first < at + timedelta(seconds=60)  # at the next minute's tick at the latest
    assert sorted(sender.chats()) == ["1", "2"]


def test_recurring_monthly_on_the_31st_keeps_to_the_month_end(fresh_db, clock) -> None:
    add_firms(fresh_db, 1, now=NOW)
    outbox = Outbox(fresh_db)
    first = datetime(2027, 1, 31, 9, 0, tzinfo=SHANGHAI)
    parent = outbox.create(
        kind=BROADCAST, text="月报", audience=Audience(), when=When(first, MONTHLY), now=NOW
    )
    runs = []
    for day in ("2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"):
        moment = datetime.fromisoformat(f"{day}T09:00:00+08:00")
        assert outbox.get(parent).scheduled_for == moment
        assert outbox.fire(parent, moment - timedelta(minutes=1)) is None  # not yet
        runs.append(outbox.fire(parent, moment))
    assert len(set(runs)) == 4 and parent not in runs
    assert [fresh_db["broadcasts"].get(r)["parent_id"] for r in runs] == [parent] * 4
    assert fresh_db["outbox"].count == 4  # one copy per run: a new broadcast id each month


def test_missed_weekly_runs_are_sent_once_and_the_schedule_moves_on(fresh_db) -> None:
    add_firms(fresh_db, 1, now=NOW)
    outbox = Outbox(fresh_db)
    first = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    parent = outbox.create(
        kind=BROADCAST, text="周报", audience=Audience(), when=When(first, WEEKLY), now=NOW
    )
    late = first + timedelta(weeks=3, hours=2)  # the bot was down for three weeks
    assert outbox.fire(parent, late) is not None
    assert outbox.get(parent).scheduled_for == first + timedelta(weeks=4)
    assert fresh_db["outbox"].count == 1


@pytest.mark.asyncio
async def test_a_killed_sender_loses_nothing_and_repeats_at_most_the_copies_in_flight(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "bot.db"
    db = open_db(path)
    add_firms(db, 200, now=NOW)
    outbox = Outbox(db)
    broadcast = outbox.create(
        kind=BROADCAST, text="重要通知", audience=Audience(), when=When(None), now=NOW, creator=SPECIALIST
    )
    outbox.fire(broadcast, NOW)

    # The platform accepts 120 copies, then answers no more: the process is killed with copies in flight.
    concurrency = 8
    first = FakeSender(clock, hang_after=120)
    loop = dispatcher(db, clock, first, concurrency=concurrency, limit=RateLimit(0, 0))
    task = asyncio.create_task(loop.run())
    while first.hung < concurrency:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    db.conn.close()
    assert 0 < first.hung <= concurrency

    db = open_db(path)  # the restarted process
    second = FakeSender(clock)
    totals = await dispatcher(db, clock, second, concurrency=concurrency, limit=RateLimit(0, 0)).run(
        until_idle=True
    )
    received = first.chats() + second.chats()
    firms = {str(n) for n in range(1, 201)}
    assert set(received) - {"9001"} == firms  # nothing lost
    repeats = len(received) - len(firms) - 1  # minus the report
    assert repeats == first.hung == totals.recovered <= concurrency
    assert Outbox(db).delivery(broadcast).repeated == repeats
    assert second.sent[-1][2].splitlines() == [
        f"📬 群发 #{broadcast} 投递报告：送达 200 · 失败 0 · 已屏蔽 0 · 待发 0",
        f"其中 {repeats} 条在发送中断时正在发送，已重发，对方可能收到两次。",
    ]
    assert statuses(db, broadcast) == {"sent": 200}


def test_fan_out_is_one_transaction(fresh_db, monkeypatch) -> None:
    add_firms(fresh_db, 3, now=NOW)
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW)
    real = Outbox._fan_out

    def crash_after_writing(self, *args):
        real(self, *args)
        raise RuntimeError("power cut")

    monkeypatch.setattr(Outbox, "_fan_out", crash_after_writing)
    with pytest.raises(RuntimeError):
        outbox.fire(broadcast, NOW)
    assert (outbox.get(broadcast).status, fresh_db["outbox"].count) == ("scheduled", 0)  # all or nothing
    monkeypatch.undo()
    assert outbox.fire(broadcast, NOW) == broadcast and fresh_db["outbox"].count == 3


@pytest.mark.asyncio
async def test_claims_and_results_share_commits(fresh_db, clock) -> None:
    add_firms(fresh_db, 40, now=NOW)
    outbox = Outbox(fresh_db)
    outbox.fire(outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW), NOW)
    totals = await dispatcher(fresh_db, clock, FakeSender(clock), concurrency=8, limit=RateLimit(0, 0)).run(
        until_idle=True
    )
    assert totals.sent == 40 and totals.commits <= 40 // 8 + 1


KILLED_SENDER = """
import asyncio, sys
from pathlib import Path
from bot.common.clock import SystemClock
from bot.common.settings_reach import DeliverySettings, RateLimit
from bot.delivery.dispatch import Dispatcher
from bot.delivery.outbox import Outbox
from bot.app import open_db

log = Path(sys.argv[2])

class Platform:
    channel = "telegram"
    accepted = 0
    async def send(self, chat_id, text):
        with log.open("a") as out:  # the platform has the message once this line is written
            out.write(chat_id + "\\n")
        self.accepted += 1
        if self.accepted > int(sys.argv[3]):
            await asyncio.Event().wait()  # its answer never comes back

db = open_db(sys.argv[1])
loop = Dispatcher(Outbox(db), {"telegram": Platform()}, SystemClock(), limits={"telegram": RateLimit(0, 0)},
                  settings=DeliverySettings(concurrency=int(sys.argv[4])))
asyncio.run(loop.run())
"""


@pytest.mark.asyncio
@pytest.mark.slow  # starts a process of its own
async def test_a_sender_process_killed_with_sigkill_loses_nothing(tmp_path: Path, clock) -> None:
    """The real thing: a separate process delivering is killed (SIGKILL) mid-broadcast; a new one
    resumes. Every firm gets the broadcast; only the copies in flight are repeated, and counted."""
    path, log, concurrency = tmp_path / "bot.db", tmp_path / "platform.log", 8
    db = open_db(path)
    past = NOW - timedelta(days=365)  # due for the child's real clock whatever the date
    add_firms(db, 300, now=past)
    outbox = Outbox(db)
    broadcast = outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=past)
    outbox.fire(broadcast, past)
    db.conn.close()
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_SENDER, str(path), str(log), "150", str(concurrency)], cwd=ROOT
    )
    try:
        for _ in range(3000):
            assert (
                process.poll() is None
            ), "the sender process ended early"  # until 150 answered copies and a full window in flight
            if log.exists() and len(log.read_text().split()) >= 150 + concurrency:
                break
            await asyncio.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    first = log.read_text().split()

    db = open_db(path)
    second = FakeSender(clock)
    totals = await dispatcher(db, clock, second, concurrency=concurrency, limit=RateLimit(0, 0)).run(
        until_idle=True
    )
    received = first + second.chats()
    assert set(received) == {str(n) for n in range(1, 301)}  # nothing lost
    repeats = len(received) - 300
    assert 0 < repeats <= concurrency and totals.recovered >= repeats
    assert Outbox(db).delivery(broadcast) == Delivery(delivered=300, repeated=totals.recovered)


@pytest.mark.asyncio
async def test_the_background_loop_starts_again_after_a_failure(fresh_db, clock, monkeypatch, caplog) -> None:
    add_firms(fresh_db, 2, now=NOW)
    outbox = Outbox(fresh_db)
    outbox.fire(outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW), NOW)
    sender = FakeSender(clock)
    dispatcher_ = dispatcher(fresh_db, clock, sender)
    real_fetch, failures = Dispatcher._fetch, []

    def fetch_failing_once(self, now):
        if not failures:
            failures.append(now)
            raise sqlite3.OperationalError("database is locked")
        return real_fetch(self, now)

    monkeypatch.setattr(Dispatcher, "_fetch", fetch_failing_once)
    loop = DeliveryService(dispatcher_)
    loop.start()
    while len(sender.sent) < 2:
        await asyncio.sleep(0)
    await loop.stop()
    assert sorted(sender.chats()) == ["1", "2"] and len(failures) == 1
    assert "the delivery loop failed; starting again in 5 s" in caplog.text


@pytest.mark.asyncio
async def test_stop_finishes_what_is_in_flight_and_leaves_the_rest_pending(fresh_db, clock) -> None:
    add_firms(fresh_db, 100, now=NOW)
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW)
    outbox.fire(broadcast, NOW)
    sender = FakeSender(clock)
    loop = dispatcher(fresh_db, clock, sender)  # 30 a second: most copies are still queued at the stop
    task = asyncio.create_task(loop.run())
    while len(sender.sent) < 10:
        await asyncio.sleep(0)
    loop.stop()
    await asyncio.wait_for(task, timeout=5)
    assert statuses(fresh_db, broadcast) == {"sent": len(sender.sent), "pending": 100 - len(sender.sent)}


@pytest.mark.asyncio
async def test_the_bureaus_reminder_figures_read_this_outbox(fresh_db, clock) -> None:
    """bot/metrics/queries.py counts reminders from the outbox contract: kinds, copies by status, repeats."""
    from bot.metrics.queries import Period, reminders

    add_firms(fresh_db, 4, now=NOW)
    outbox = Outbox(fresh_db)
    outbox.fire(outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW), NOW)
    sender = FakeSender(clock, errors={"2": [RecipientBlocked("blocked")], "3": [PermanentError("bad")]})
    await dispatcher(fresh_db, clock, sender).run(until_idle=True)
    [row] = reminders(fresh_db, Period(date(2026, 11, 25), date(2026, 11, 25)))
    assert (row.kind, row.broadcasts, row.scheduled, row.sent, row.failed, row.blocked, row.pending, row.repeated) == (
        "broadcast", 1, 4, 2, 1, 1, 0, 0)


@pytest.mark.asyncio
async def test_a_recovered_copy_refused_on_resending_is_not_counted_as_repeated(fresh_db, clock) -> None:
    add_firms(fresh_db, 2, now=NOW)
    outbox = Outbox(fresh_db)
    broadcast = outbox.create(kind=BROADCAST, text="x", audience=Audience(), when=When(None), now=NOW)
    outbox.fire(broadcast, NOW)
    fresh_db.execute("update outbox set status = 'sending'")  # both were in flight when the process died
    sender = FakeSender(clock, errors={"2": [RecipientBlocked("blocked meanwhile")]})
    totals = await dispatcher(fresh_db, clock, sender).run(until_idle=True)
    assert totals.recovered == 2
    assert outbox.delivery(broadcast) == Delivery(delivered=1, blocked=1, repeated=1)
    assert [r["repeated"] for r in fresh_db["outbox"].rows] == [1, 0]
