"""Tickets without a channel: the handoff config, office hours, the core's pending questions migrated,
delivery outcomes, figures and event links, drafts checked by kb check and listed by `kb drafts`."""
from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from bot.answering.engine import Engine
from bot.answering.ports import Message
from bot.app import (
    ALL_MIGRATIONS,
    Services,
    build_services,
    check_knowledge,
    forget_firm,
    load_knowledge,
    open_db,
)
from bot.common.clock import SHANGHAI, simulated_sleep
from bot.common.config import ConfigError, load_settings
from bot.common.settings_handoff import HandoffSettings, OfficeHours, Staff
from bot.delivery.sender import PermanentError, TransientError
from bot.handoff.desk import TicketDesk, attach_desk
from bot.handoff.drafting import draft_path
from bot.handoff.tickets import Notice
from bot.knowledge.drafts import check_drafts
from bot.metrics.queries import Period, knowledge_gaps
from bot.metrics.report import gaps_text
from bot.metrics.tickets import link_gaps, ticket_metrics, tickets_for_events
from run_bot import main


def config(tmp_path: Path, kb_dir: Path, block: str, specialists: str = "telegram: [1, 2]\n  wecom: [li]") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"db_path: {tmp_path / 'bot.db'}\nknowledge_dir: {kb_dir}\n"
                    f"specialists:\n  {specialists}\n{block}", encoding="utf-8")
    return path


# ---- the handoff block -------------------------------------------------------------------------

def test_defaults_offer_everything_to_every_specialist(tmp_path, kb_dir) -> None:
    found = load_settings(config(tmp_path, kb_dir, ""), environ={}).handoff
    assert found.city_pool == (Staff("telegram", "1"), Staff("telegram", "2"), Staff("wecom", "li"))
    assert found.on_duty("邵武市", ["trademark_window"]) == found.city_pool
    assert (found.claim_timeout_minutes, found.check_seconds) == (30.0, 60.0)
    assert found.office_hours == OfficeHours(frozenset(range(5)), time(8, 30), time(17, 30))


def test_duty_by_county_and_station_type_else_the_city_pool(tmp_path, kb_dir) -> None:
    block = ("handoff:\n  duty:\n    邵武市: [telegram:1]\n    trademark_window: [wecom:li, telegram:1]\n"
             "    city: [telegram:2]\n  claim_timeout_minutes: 45\n")
    found = load_settings(config(tmp_path, kb_dir, block), environ={}).handoff
    assert found.on_duty("邵武市", []) == (Staff("telegram", "1"),)
    assert found.on_duty("邵武市", ["trademark_window"]) == (Staff("telegram", "1"), Staff("wecom", "li"))
    assert found.on_duty("建阳区", ["copyright_service"]) == (Staff("telegram", "2"),)
    assert found.on_duty(None, []) == found.city_pool == (Staff("telegram", "2"),)
    assert found.claim_timeout_minutes == 45.0


@pytest.mark.parametrize(("block", "error"), [
    ("handoff:\n  duty:\n    邵武: [telegram:1]\n",
     "config: handoff.duty: ['邵武'] are not counties, station types or city"),
    ("handoff:\n  duty:\n    city: [telegram:9]\n",
     "config: handoff.duty.city: telegram:9 is not a configured specialist (specialists.telegram)"),
    ("handoff:\n  duty:\n    city: [sms:1]\n", "config: handoff.duty.city: 'sms:1' is not <telegram|wecom>:<user id>"),
    ("handoff:\n  duty:\n    city: telegram:1\n",
     "config: handoff.duty.city must be a non-empty list like [telegram:11111111, wecom:zhangsan]"),
    ("handoff:\n  office_hours: {start: 08:30, end: 17:30}\n",
     'config: handoff.office_hours.end must be a quoted time like "08:30"'),
    ('handoff:\n  office_hours: {start: "18:00", end: "09:00"}\n', "config: handoff.office_hours.start must be before end"),
    ("handoff:\n  office_hours: {days: [monday]}\n",
     "config: handoff.office_hours.days must be a non-empty list of mon, tue, wed, thu, fri, sat, sun"),
    ("handoff:\n  claim_timeout_minutes: -5\n",
     "config: handoff: claim_timeout_minutes and check_seconds must be positive"),
    ("handoff:\n  claim_timeout_minutes: soon\n", "config: handoff.claim_timeout_minutes must be a number, not 'soon'"),
    ("handoff:\n  timeout: 5\n", "config: unknown handoff settings ['timeout']"),
])
def test_bad_handoff_settings_are_one_line_errors(tmp_path, kb_dir, block: str, error: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(config(tmp_path, kb_dir, block), environ={})
    assert str(raised.value) == error


@pytest.mark.parametrize(("local", "opening"), [
    (datetime(2026, 11, 25, 10, 0), datetime(2026, 11, 25, 10, 0)),  # Wednesday, open: now
    (datetime(2026, 11, 25, 7, 0), datetime(2026, 11, 25, 8, 30)),  # before opening
    (datetime(2026, 11, 25, 17, 30), datetime(2026, 11, 26, 8, 30)),  # at closing time
    (datetime(2026, 11, 27, 19, 0), datetime(2026, 11, 30, 8, 30)),  # Friday evening → Monday
    (datetime(2026, 11, 29, 12, 0), datetime(2026, 11, 30, 8, 30)),  # Sunday
])
def test_next_opening_in_asia_shanghai(local: datetime, opening: datetime) -> None:
    moment = local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    assert OfficeHours().next_opening(moment) == opening.replace(tzinfo=SHANGHAI)


def test_weekend_office_hours_are_named(engine: Engine, settings, clock) -> None:
    hours = OfficeHours(frozenset({0, 2, 5}), time(9), time(12))
    desk = TicketDesk(engine, settings, clock, HandoffSettings(office_hours=hours))
    assert desk.office_hours_text("zh") == "周一、周三、周六 09:00–12:00"
    assert desk.office_hours_text("en") == "Mon, Wed, Sat 09:00–12:00"


# ---- the core's pending questions become tickets ----------------------------------------------

def test_pending_questions_of_the_core_become_open_tickets(tmp_path, settings, fixture_kb, clock) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    ALL_MIGRATIONS[0].apply(old)  # events and meta, as the core's first migrations made them
    old["events"].insert({"id": 7, "kind": "handoff", "time": "2026-11-20T02:00:00+00:00", "channel": "telegram",
                          "user": "h1", "county": "邵武市", "language": "en", "reply_to": 6, "internal": 0})
    old["pending_questions"].insert({"id": 1, "time": "2026-11-20T02:00:00+00:00", "channel": "telegram",
                                     "user": "h1", "question": "what about my brand", "event_id": 7})
    old.conn.close()
    db = open_db(path)
    assert "pending_questions" not in db.table_names()
    [row] = db["tickets"].rows
    assert (row["question"], row["county"], row["language"], row["event_id"], row["reply_to"], row["status"]) == (
        "what about my brand", "邵武市", "en", 7, 6, "open")
    assert row["offered_at"] is None and row["address"] is None  # no profile: it cannot be answered in chat
    assert "chat_id" not in row  # no raw chat id to seal: the column went with the migration
    desk = TicketDesk(Engine(fixture_kb, settings, db, clock), settings, clock)
    desk.check()  # the next round offers it (here: to nobody, no specialist is configured)
    assert db["tickets"].get(1)["offered_at"] == "2026-11-25T02:00:00+00:00"


# ---- delivery outcomes --------------------------------------------------------------------------

class Failing:
    """A courier whose platform answers with the given errors, in order, then accepts."""

    channel = "telegram"

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.sent = list(errors), []

    async def deliver(self, notice: Notice, said: str) -> str | None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((notice.chat_id, said))
        return "55"

    async def send(self, chat_id: str, text: str) -> None:
        raise AssertionError("notices go through the courier")


def delivering(engine: Engine, settings, clock, courier: Failing) -> Services:
    """The core services with `courier` for Telegram's notices; delivery waits on the manual clock."""
    services = build_services(settings, clock, engine=engine, sleep=simulated_sleep(clock))
    services.add_sender(courier, courier)
    return services


def copy_of(engine: Engine, notice_id: int) -> dict:
    return next(engine.db["outbox"].rows_where("kind = 'ticket_notice' and ref = ?", [notice_id]))


def staffed(engine: Engine, settings, clock) -> TicketDesk:
    from dataclasses import replace

    desk = attach_desk(engine, settings, clock)
    desk.config = replace(desk.config, city_pool=(Staff("telegram", "9"),))
    return desk


@pytest.mark.asyncio
async def test_network_errors_are_retried_with_backoff_then_given_up(engine: Engine, settings, clock) -> None:
    staffed(engine, settings, clock)
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    services = delivering(engine, settings, clock, Failing(*[TransientError("timed out")] * 5))
    waits = []
    for _ in range(4):
        await services.delivery.flush()  # the error: the notice waits for its retry
        assert engine.db["ticket_notices"].get(1)["status"] == "pending"
        retry_at = datetime.fromisoformat(copy_of(engine, 1)["next_attempt"])
        waits.append((retry_at - clock.now()).total_seconds())
        clock.set(retry_at)
    await services.delivery.flush()
    assert waits == [2, 4, 8, 16]  # the outbox's backoff (reminders.backoff_seconds, doubled)
    row = engine.db["ticket_notices"].get(1)
    assert (row["status"], row["attempts"]) == ("failed", services.reminders.delivery.max_attempts)


@pytest.mark.asyncio
async def test_a_firm_that_cannot_be_reached_is_reported_to_the_claimer(engine: Engine, settings, clock) -> None:
    desk = staffed(engine, settings, clock)
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    courier = Failing()
    services = delivering(engine, settings, clock, courier)
    await services.delivery.flush()
    desk.claim(Staff("telegram", "9"), 1)
    courier.errors.append(PermanentError("chat not found"))  # the firm's "claimed" notice
    await services.delivery.flush()
    assert len(courier.sent) == 2
    assert courier.sent[-1] == ("9", "⚠️ 工单 #1 的消息无法送达企业（对方已屏蔽机器人或不在应用可见范围内）。")
    kinds = [(n["role"], n["kind"], n["status"], n["message_id"]) for n in engine.db["ticket_notices"].rows]
    assert kinds == [("specialist", "offer", "sent", "55"), ("firm", "claimed", "failed", None),
                     ("specialist", "unreachable", "sent", "55")]


def test_tickets_are_created_even_when_nobody_is_configured(engine: Engine, desk, caplog) -> None:
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    assert engine.db["tickets"].count == 1 and engine.db["ticket_notices"].count == 0
    assert "no specialist to offer it to" in caplog.text


# ---- figures and links ---------------------------------------------------------------------------

def test_figures_exclude_internal_tickets_and_link_events(engine: Engine, settings, clock) -> None:
    from datetime import timedelta

    desk = staffed(engine, settings, clock)
    fallback = engine.handle(Message("telegram", "42", "我们厂的商业秘密被员工带走了"))
    handoff = engine.handle(Message("telegram", "42", "转人工"))
    engine.handle(Message("telegram", "9", "转人工 测试一下", internal=True))
    clock.advance(timedelta(minutes=12))
    desk.answer(Staff("telegram", "9"), 1, "可以向市场监管部门举报。")
    today = clock.now().astimezone(SHANGHAI).date()
    figures = ticket_metrics(engine.db, today, today)
    assert (figures.tickets, figures.claimed, figures.answered, figures.minutes_to_first_response) == (1, 1, 1, 12.0)
    assert figures.by_topic == {"out_of_scope": 1} and figures.answered_share == 1.0
    assert ticket_metrics(engine.db, today, today, include_internal=True).tickets == 2
    assert tickets_for_events(engine.db, [fallback.event_id, handoff.event_id, 999]) == {
        fallback.event_id: [1], handoff.event_id: [1]}
    assert tickets_for_events(engine.db, []) == {}
    gaps = link_gaps(engine.db, knowledge_gaps(engine.db, today, today), Period(today, today))
    assert [(g.example, g.tickets) for g in gaps] == [(engine.db["events"].get(fallback.event_id)["question"], [1])]
    assert gaps_text(gaps, today, today).splitlines()[1].endswith(" → 转人工工单 #1")


# ---- drafts ---------------------------------------------------------------------------------------

def test_a_draft_is_checked_as_an_entry_but_never_loaded(kb_dir: Path, engine: Engine, settings, clock) -> None:
    desk = staffed(engine, settings, clock)
    engine.handle(Message("telegram", "42", "转人工 我们的茶叶商标被人抢注了怎么办"))
    desk.answer(Staff("telegram", "9"), 1, "可以在公告之日起3个月内提出异议。\n也可以请专员帮忙。")
    done = desk.draft(Staff("telegram", "9"), 1)
    assert done.ok and done.text.startswith("已写成知识草稿 knowledge/drafts/ticket_1.yaml")
    [entry] = yaml.safe_load(draft_path(kb_dir, 1).read_text(encoding="utf-8"))
    assert entry == {
        "id": "ticket_1", "draft": True, "topic": "trademark", "title": "我们的茶叶商标被人抢注了怎么办",
        "title_en": "", "questions": ["我们的茶叶商标被人抢注了怎么办"], "keywords": [],
        "answer": "可以在公告之日起3个月内提出异议。\n也可以请专员帮忙。", "answer_en": "", "follow_ups": [],
        "station_types": entry["station_types"], "source": "专员答复 (ticket 1)",
        "reviewed": clock.now().astimezone(SHANGHAI).date(),
    }
    kb, problems = check_knowledge(kb_dir)
    assert kb is not None and "ticket_1" not in kb.entries
    drafted = {(p.field, p.message.split(":")[0], p.severity) for p in problems if "drafts" in p.file}
    assert drafted == {("answer_en", "missing", "warning"), ("answer", "bare amount '3个月'", "warning"),
                       ("questions", "1 distinct phrasings, at least 6 needed", "warning")}


def test_draft_problems_include_clashes_with_live_entries(kb_dir: Path) -> None:
    (kb_dir / "drafts").mkdir()
    common = {"title": "x", "answer": "x", "answer_en": "x", "source": "x", "reviewed": datetime(2026, 11, 25).date()}
    (kb_dir / "drafts" / "clash.yaml").write_text(yaml.safe_dump([
        {"id": "tm_fee", "topic": "weather", "questions": ["收费标准"], "follow_ups": ["nowhere"], **common},
        {"id": "ticket_9", "topic": "trademark", "questions": ["注册商标多少钱"], **common},
    ], allow_unicode=True), encoding="utf-8")
    (kb_dir / "drafts" / "broken.yaml").write_text("- id: [", encoding="utf-8")
    problems = check_drafts(kb_dir, load_knowledge(kb_dir))
    messages = {(p.file.split("/")[-1], p.field, p.message.split(" (")[0]) for p in problems}
    assert {("clash.yaml", "topic", "unknown topic 'weather'"), ("clash.yaml", "id", "duplicate id"),
            ("clash.yaml", "follow_ups", "unknown entry 'nowhere'"),
            ("clash.yaml", "questions", "'注册商标多少钱' is also a phrasing of tm_fee")} <= messages
    assert any(p.file.endswith("broken.yaml") and p.field == "file" for p in problems)
    assert {p.severity for p in problems} == {"warning"}


def test_kb_drafts_lists_the_drafts(kb_dir: Path, tmp_path: Path, capsys) -> None:
    path = config(tmp_path, kb_dir, "")
    assert main(["--config", str(path), "kb", "drafts"]) == 0
    assert capsys.readouterr().out.startswith("kb drafts: none")
    (kb_dir / "drafts").mkdir()
    (kb_dir / "drafts" / "ticket_3.yaml").write_text(yaml.safe_dump([{
        "id": "ticket_3", "draft": True, "topic": "trademark", "title": "商标被抢注", "questions": ["商标被抢注"],
        "answer": "提出异议。", "answer_en": "", "source": "专员答复 (ticket 3)", "reviewed": "25.11.2026",
    }], allow_unicode=True), encoding="utf-8")
    assert main(["--config", str(path), "kb", "drafts"]) == 0
    out = capsys.readouterr().out
    assert "| knowledge/drafts/ticket_3.yaml | ticket_3 | trademark | 商标被抢注 | 3 |" in out
    assert main(["--config", str(path), "kb", "check"]) == 0  # drafts never stop the bot
    assert "warning: knowledge/drafts/ticket_3.yaml: ticket_3: reviewed:" in capsys.readouterr().out


def test_forget_drops_what_is_still_to_be_sent(engine: Engine, settings, clock) -> None:

    desk = staffed(engine, settings, clock)
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    desk.answer(Staff("telegram", "9"), 1, "请提出异议。")
    forget_firm(engine.db, engine.events.firm("telegram", "42"), engine.events.user("telegram", "42"))
    notices = list(engine.db["ticket_notices"].rows)
    assert notices == []  # the offer and the answer were never sent: gone
    assert json.loads(engine.db["tickets"].get(1)["guesses"])  # the figures' side stays


# ---- the firm's chat is sealed (issue 15 item 5) -------------------------------------------------

@pytest.mark.asyncio
async def test_the_answer_reaches_the_firm_whose_chat_no_row_names(engine: Engine, settings, clock) -> None:
    from privacy_traces import links

    desk = staffed(engine, settings, clock)
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))  # no firm profile: the chat still answers
    desk.answer(Staff("telegram", "9"), 1, "请提出异议。")
    courier = Failing()
    await delivering(engine, settings, clock, courier).delivery.flush()
    assert [chat for chat, _ in courier.sent] == ["9", "42", "42"]  # the offer, then claimed and the answer
    assert links(engine.db, "42", engine.events.every_user("telegram", "42"),
                 engine.events.every_firm("telegram", "42")) == []
    firm_rows = [*engine.db["tickets"].rows, *engine.db.query("select * from ticket_notices where role = 'firm'")]
    assert not any(value == "42" for row in firm_rows for value in row.values())


@pytest.mark.asyncio
async def test_a_chat_sealed_under_a_dropped_salt_is_given_up(engine: Engine, settings, clock, caplog) -> None:
    from bot.storage.events import EventLog, Salts

    desk = staffed(engine, settings, clock)
    engine.events = EventLog(engine.db, Salts(("old-salt",)))
    engine.handle(Message("telegram", "42", "转人工 商标被抢注了"))
    engine.events = EventLog(engine.db, Salts(("new-salt",)))  # the old salt left BOT_SALT too early
    desk.answer(Staff("telegram", "9"), 1, "请提出异议。")
    courier = Failing()
    await delivering(engine, settings, clock, courier).delivery.flush()
    statuses = [(n["role"], n["kind"], n["status"]) for n in engine.db["ticket_notices"].rows]
    assert ("firm", "answer", "failed") in statuses and ("specialist", "unreachable", "sent") in statuses
    assert "42" not in [chat for chat, _ in courier.sent]
    assert "no salt in BOT_SALT opens" in caplog.text


@pytest.mark.asyncio
async def test_an_open_ticket_of_the_old_schema_is_sealed_and_still_answered(tmp_path, settings, fixture_kb,
                                                                             clock) -> None:
    from bot.handoff import tickets

    path = tmp_path / "old.db"
    old = Database(path)
    for migration_set in ALL_MIGRATIONS:  # the schema before the sealed address
        migration_set.apply(old, stop_before="003_ticket_addresses" if migration_set is tickets.migrations else None)
    old["tickets"].insert({"id": 1, "created": "2026-11-20T02:00:00+00:00", "user": "h1", "channel": "telegram",
                           "chat_id": "42", "language": "zh", "question": "商标被抢注了", "topic": "trademark",
                           "guesses": "[]", "station_types": "[]", "status": "claimed", "claimed_by": "telegram:9",
                           "event_id": 7, "internal": 0})
    old["ticket_notices"].insert({"ticket_id": 1, "created": "2026-11-20T02:00:00+00:00", "channel": "telegram",
                                  "chat_id": "42", "role": "firm", "kind": "claimed", "status": "sent",
                                  "attempts": 1, "message_id": "77"})
    old.conn.close()
    db = open_db(path)
    engine = Engine(fixture_kb, settings, db, clock)
    db["tickets"].update(1, {"user": engine.events.user("telegram", "42")})
    desk = staffed(engine, settings, clock)
    assert "chat_id" not in db["tickets"].columns_dict and db["tickets"].get(1)["address"] not in (None, "42")
    assert [n["chat_id"] for n in db["ticket_notices"].rows] == [db["tickets"].get(1)["address"]]
    assert desk.answer(Staff("telegram", "9"), 1, "请提出异议。").ok
    courier = Failing()
    await delivering(engine, settings, clock, courier).delivery.flush()
    assert courier.sent == [("42", courier.sent[0][1])] and "请提出异议。" in courier.sent[0][1]
    follow_up = desk.reply_to_message("telegram", "42", "77", "42", "还有一个问题", specialist=False)
    assert follow_up is not None and follow_up.ok  # the reply to the old notice still finds its ticket
