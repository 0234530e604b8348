"""A small database whose figures are known by hand, for the metrics, report and retention tests.

The period is 2026-11-09 (Monday) to 2026-11-22 (Sunday), Asia/Shanghai. Firms A, B, C, D; S is a
specialist (internal); one `cli` question. Expected figures, external traffic only:
- questions 10: answer 5, clarify 2 (1 resolved by a choice), fallback 3
- per day: 11-09: 2, 11-10: 1, 11-11: 1 (00:30 in Shanghai, still 11-10 in UTC), 11-12: 2,
  11-16 to 11-19: 1 each
- topics: trademark 4, out_of_scope 3, pledge_financing 1, open_license 1, smalltalk 1
- counties: 建阳区 3, 邵武市 2, city 2, 浦城县 2, none 1; channels: telegram 7, wecom 3
- satisfaction (IP answers, small talk left out): 5 answers, 4 rated (80%), 👍 2, 👎 2
- referrals 3: st-jy-01 2, st-pc-01 1; 建阳区 2, 浦城县 1
- active firms: period 4, each week 3; new subscribers 2 (one a week)
- reminders: deadline 3 copies (sent 2, blocked 1, repeated 1), broadcast 2 copies (failed 1, pending 1)
- gaps: 明天天气怎么样 ×2 (grouped with 明天天气怎么样啊), then 商标注册要多长时间 (👎), 天气预报, 开放许可 (👎)
Two questions fall just outside the period (11-08 23:59 and 11-23 00:00 in Shanghai).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.common.clock import SHANGHAI, utc_iso
from bot.storage.events import EventLog

PERIOD = (date(2026, 11, 9), date(2026, 11, 22))
MONTH = (date(2026, 11, 1), date(2026, 11, 30))


def sh(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment of November 2026 in Asia/Shanghai."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


class Seeder:
    def __init__(self, db: Database) -> None:
        self.log = EventLog(db, "test-salt")

    def event(self, kind: str, who: str, when: datetime, channel: str = "telegram", **fields: Any) -> int:
        return self.log.record(kind, time=when, channel=channel, user=self.log.user(channel, who), **fields)

    def ask(self, who: str, when: datetime, question: str, topic: str, intent: str | None, decision: str,
            county: str | None, channel: str = "telegram", internal: bool = False) -> int:
        return self.event("question", who, when, channel, question=question, topic=topic, intent=intent,
                          decision=decision, county=county, internal=internal, language="zh", score=80.0)

    def rate(self, who: str, when: datetime, answer: int, value: str, channel: str = "telegram",
             internal: bool = False) -> int:
        return self.event("feedback", who, when, channel, reply_to=answer, detail={"value": value},
                          internal=internal)

    def refer(self, who: str, when: datetime, station: str, station_type: str, county: str,
              topic: str, brief_spelling: bool = False) -> int:
        """A referral event as bot/stations/referrals.py writes it (or as the feature brief spelled it)."""
        keys = ("station_id", "station_type") if brief_spelling else ("station", "type")
        detail = {keys[0]: station, keys[1]: station_type, "county": county, "topic": topic,
                  "rank": 1, "via": "question", "sample": True}
        return self.event("referral", who, when, detail=detail, county="浦城县")


def seed_events(db: Database) -> None:
    s = Seeder(db)
    a1 = s.ask("A", sh(9, 9), "商标注册要多久", "trademark", "tm_duration", "answer", "建阳区")
    s.rate("A", sh(9, 9, 1), a1, "up")
    a2 = s.ask("A", sh(9, 9, 5), "商标续展", "trademark", "tm_renewal", "answer", "建阳区")
    s.rate("A", sh(9, 9, 6), a2, "down")
    s.rate("A", sh(9, 9, 7), a2, "up")  # changed their mind: the last rating counts
    s.ask("B", sh(10, 23, 30), "质押贷款利率", "pledge_financing", "pf_how", "answer", "邵武市", "wecom")
    s.ask("B", sh(11, 0, 30), "明天天气怎么样", "out_of_scope", None, "fallback", None, "wecom")
    clarify = s.ask("C", sh(12, 10), "开放许可", "open_license", "ol_what", "clarify", "city")
    choice = s.event("choice", "C", sh(12, 10, 1), topic="open_license", intent="ol_what", decision="answer",
                     reply_to=clarify, county="city")
    s.rate("C", sh(12, 10, 2), choice, "down")
    s.ask("C", sh(12, 11), "商标费用", "trademark", "tm_fee", "clarify", "city")
    s.refer("A", sh(13, 9), "st-jy-01", "trademark_window", "建阳区", "trademark")
    internal = s.ask("S", sh(13, 10), "商标注册要多久", "trademark", "tm_duration", "answer", "建阳区", internal=True)
    s.rate("S", sh(13, 10, 1), internal, "up", internal=True)
    s.ask("cli", sh(13, 11), "测试问题", "out_of_scope", None, "fallback", None, "cli")
    d1 = s.ask("D", sh(16, 9), "商标注册要多长时间", "trademark", "tm_duration", "answer", "浦城县")
    s.rate("D", sh(16, 9, 1), d1, "down")
    s.ask("D", sh(17, 9), "天气预报", "out_of_scope", None, "fallback", "浦城县")
    s.ask("B", sh(18, 9), "明天天气怎么样啊", "out_of_scope", None, "fallback", "邵武市", "wecom")
    hello = s.ask("A", sh(19, 9), "你好", "smalltalk", "sm_greeting", "answer", "建阳区")
    s.rate("A", sh(19, 9, 1), hello, "up")  # small talk: not an IP answer, left out of satisfaction
    s.refer("D", sh(20, 9), "st-pc-01", "trademark_brand_station", "浦城县", "trademark")
    s.refer("D", sh(20, 10), "st-jy-01", "trademark_window", "建阳区", "geographical_indication",
            brief_spelling=True)
    s.event("handoff", "B", sh(21, 9), "wecom", question="明天天气怎么样", intent="handoff")
    s.ask("A", sh(8, 23, 59), "商标注册要多久", "trademark", "tm_duration", "answer", "建阳区")
    s.ask("A", sh(23, 0, 0), "商标注册要多久", "trademark", "tm_duration", "answer", "建阳区")


def seed_other_tables(db: Database) -> None:
    """outbox, broadcasts and subscriptions as their owners' contracts describe them."""
    db["broadcasts"].insert_all([
        {"id": 1, "created": utc_iso(sh(10, 8)), "scheduled_for": utc_iso(sh(10, 9)), "kind": "deadline",
         "topic": "trademark", "text": "商标续展提醒", "status": "done"},
        {"id": 2, "created": utc_iso(sh(18, 8)), "scheduled_for": utc_iso(sh(18, 9)), "kind": "broadcast",
         "topic": "policy", "text": "政策通知", "status": "done"},
    ], pk="id")
    copies = [(1, "sent", 0, sh(10, 9)), (1, "sent", 1, sh(10, 9)), (1, "blocked", 0, sh(10, 9)),
              (2, "failed", 0, sh(18, 9)), (2, "pending", 0, sh(18, 9)), (2, "sent", 0, sh(23, 9))]
    db["outbox"].insert_all([
        {"id": i, "broadcast_id": b, "channel": "telegram", "chat_id": str(100 + i), "user": f"u{i}",
         "status": status, "attempts": 1, "repeated": repeated, "created": utc_iso(when),
         "sent_at": utc_iso(when) if status == "sent" else None}
        for i, (b, status, repeated, when) in enumerate(copies, start=1)
    ], pk="id")
    log = EventLog(db, "test-salt")
    db["subscriptions"].insert_all([
        {"user": log.firm("telegram", "A"), "topic": "trademark", "consented_at": utc_iso(sh(10, 12))},
        {"user": log.firm("telegram", "A"), "topic": "pledge_financing", "consented_at": utc_iso(sh(20, 12))},
        {"user": log.firm("wecom", "B"), "topic": "trademark", "consented_at": utc_iso(sh(17, 12))},
        {"user": log.firm("telegram", "C"), "topic": "trademark", "consented_at": utc_iso(sh(1, 12))},
    ], pk=("user", "topic"))


def seed_tickets(db: Database) -> None:
    """Handoff tickets (bot/handoff/tickets.py) of the period, with their times known by hand:
    - #1 B (wecom) 11-11 00:35 from the fallback 明天天气怎么样: claimed after 15 min, answered after 30,
      closed by the firm after 120
    - #2 D 11-16 09:05 from the 👎 answer 商标注册要多长时间, 浦城县: escalated, claimed after 40 min,
      answered after 60, still open
    - #3 A 11-19 10:00, 建阳区: never claimed
    - #4 S 11-13 (internal) and #5 A 11-23 (after the period): left out
    Expected: 3 tickets, 2 claimed, 2 answered, 1 closed, 1 escalated; medians 27.5 min to claim,
    45 to the first response, 120 to close; gap 明天天气怎么样 → #1, 商标注册要多长时间 → #2."""
    def asked(question: str) -> int:
        return db.execute("select id from events where kind = 'question' and question = ? order by id",
                          [question]).fetchone()[0]

    log = EventLog(db, "test-salt")

    def ticket(who: str, channel: str, created: datetime, topic: str, county: str | None, reply_to: int | None,
               internal: int = 0, **times: datetime) -> dict:
        return {"created": utc_iso(created), "user": log.user(channel, who), "channel": channel,
                "address": log.seal(who),
                "language": "zh", "question": "问题", "county": county, "topic": topic, "guesses": "[]",
                "station_types": "[]", "status": "closed" if "closed_at" in times else "open",
                "offered_at": utc_iso(created), "reply_to": reply_to, "internal": internal,
                **{name: utc_iso(moment) for name, moment in times.items()}}

    db["tickets"].insert_all([
        ticket("B", "wecom", sh(11, 0, 35), "out_of_scope", None, asked("明天天气怎么样"),
               claimed_at=sh(11, 0, 50), first_response_at=sh(11, 1, 5), closed_at=sh(11, 2, 35)),
        ticket("D", "telegram", sh(16, 9, 5), "trademark", "浦城县", asked("商标注册要多长时间"),
               escalated_at=sh(16, 9, 35), claimed_at=sh(16, 9, 45), first_response_at=sh(16, 10, 5)),
        ticket("A", "telegram", sh(19, 10), "trademark", "建阳区", None),
        ticket("S", "telegram", sh(13, 10, 5), "trademark", "建阳区", None, internal=1, claimed_at=sh(13, 10, 6)),
        ticket("A", "telegram", sh(23, 1), "trademark", "建阳区", None),
    ])
