"""A firm's own deadlines: trademark expiry, patent annual fee, pledge-loan maturity, and when to remind.

The legal windows (renewal window, grace period, late-payment period and its surcharge) are read from
the knowledge base's facts, never written here; which months before a deadline to remind is config.
Month arithmetic clamps to the month's last day (bot/schedule.add_months).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping, Sequence

from sqlite_utils import Database

from bot.common.clock import local_date, parse_utc_iso
from bot.common.schedule import BadTime, When, add_months, at_local, parse_date
from bot.common.typed import fits_row_id, without_surrogates
from bot.common.vocab import PATENT_FEE, PLEDGE_LOAN, TRADEMARK
from bot.delivery.outbox import DEADLINE, FOOTER_DEADLINES, Audience, Outbox, iso
from bot.i18n.texts import text
from bot.knowledge.facts import FactBook
from bot.storage.rows import insert_row

log = logging.getLogger(__name__)

KIND_TOPICS = {TRADEMARK: "trademark", PATENT_FEE: "patent", PLEDGE_LOAN: "pledge_financing"}
KIND_TEXTS = {TRADEMARK: "dl_kind_trademark", PATENT_FEE: "dl_kind_patent_fee", PLEDGE_LOAN: "dl_kind_pledge_loan"}
# What a firm may type for each kind.
KIND_WORDS = {
    "trademark": TRADEMARK,
    "tm": TRADEMARK,
    "商标": TRADEMARK,
    "patent": PATENT_FEE,
    "patent_fee": PATENT_FEE,
    "专利": PATENT_FEE,
    "年费": PATENT_FEE,
    "专利年费": PATENT_FEE,
    "pledge": PLEDGE_LOAN,
    "loan": PLEDGE_LOAN,
    "pledge_loan": PLEDGE_LOAN,
    "质押": PLEDGE_LOAN,
    "贷款": PLEDGE_LOAN,
    "质押贷款": PLEDGE_LOAN,
}
# The facts each kind needs (knowledge/facts.yaml).
WINDOW_FACT = "trademark.renewal.window_months"
GRACE_FACT = "trademark.renewal.grace_months"
LATE_FACT = "patent.annual.late_period"
SURCHARGE_FACT = "patent.annual.late_surcharge_per_month"
MAX_PER_FIRM = 50
MAX_YEARS_AHEAD = 20
LABEL_CHARS = 40


class DeadlineError(ValueError):
    """Input or data that cannot make a deadline; `key` and `values` are the text to show."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Point:
    """One reminder of a deadline: its name (unique per deadline), day and message key."""

    name: str
    day: date
    key: str
    months: int = 0  # months left, for "before" reminders


@dataclass(frozen=True)
class Plan:
    """The reminders of one deadline and the last day anything can still be done."""

    points: tuple[Point, ...]
    last_day: date
    values: Mapping[str, str]  # rendered facts and dates for the messages, by language-neutral name


@dataclass(frozen=True)
class Deadline:
    id: int
    user: str
    kind: str
    due: date
    label: str
    next_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping) -> Deadline:
        return cls(
            row["id"],
            row["user"],
            row["kind"],
            date.fromisoformat(row["due"]),
            row["label"] or "",
            parse_utc_iso(row["next_at"]) if row["next_at"] else None,
        )


def _months(facts: FactBook, name: str, day: date) -> int:
    fact = facts.facts.get(name)
    version = fact.applicable_version(day) if fact else None
    if version is None or not isinstance(version.value, (int, float)):
        raise DeadlineError("deadline_fact_missing", fact=name)
    return int(version.value)


def _rendered(facts: FactBook, name: str, lang: str, day: date) -> str:
    if name not in facts.facts:
        raise DeadlineError("deadline_fact_missing", fact=name)
    return facts.facts[name].render(lang, day)


def plan(kind: str, due: date, facts: FactBook, months_before: Sequence[int], today: date) -> Plan:
    """Every reminder of a deadline (past ones included), from the facts in force `today`."""
    before = sorted({m for m in months_before if m > 0}, reverse=True)
    if kind == TRADEMARK:
        window, grace = _months(facts, WINDOW_FACT, today), _months(facts, GRACE_FACT, today)
        grace_end = add_months(due, grace)
        points = [Point(f"before_{window}", add_months(due, -window), "dl_tm_window", window)]
        points += [Point(f"before_{m}", add_months(due, -m), "dl_tm_before", m) for m in before if m < window]
        points += [
            Point("grace", due + timedelta(days=1), "dl_tm_grace"),
            Point("grace_last", add_months(due, grace - 1), "dl_tm_grace_last"),
        ]
        return Plan(
            tuple(points),
            grace_end,
            {"window": str(window), "grace": str(grace), "grace_end": grace_end.isoformat()},
        )
    if kind == PATENT_FEE:
        late = _months(facts, LATE_FACT, today)
        late_end = add_months(due, late)
        points = [Point(f"before_{m}", add_months(due, -m), "dl_pf_before", m) for m in before]
        points += [
            Point("due", due, "dl_pf_due"),
            Point("late_last", add_months(due, late - 1), "dl_pf_late_last"),
        ]
        surcharge = {lang: _rendered(facts, SURCHARGE_FACT, lang, today) for lang in ("zh", "en")}
        return Plan(
            tuple(points),
            late_end,
            {
                "late": str(late),
                "late_end": late_end.isoformat(),
                "surcharge_zh": surcharge["zh"],
                "surcharge_en": surcharge["en"],
            },
        )
    if kind == PLEDGE_LOAN:
        points = [Point(f"before_{m}", add_months(due, -m), "dl_pl_before", m) for m in before]
        return Plan(tuple(points), due, {})
    raise ValueError(f"unknown deadline kind {kind!r}")


def message(deadline: Deadline, point: Point, values: Mapping[str, str], lang: str) -> str:
    """The reminder text for one point of a deadline."""
    label = text("dl_label", lang, label=deadline.label) if deadline.label else ""
    surcharge = values.get(f"surcharge_{lang}", "")
    months = (
        f"{point.months}个月"
        if lang != "en"
        else f"{point.months} month" + ("s" if point.months != 1 else "")
    )
    return text(
        point.key,
        lang,
        label=label,
        due=deadline.due.isoformat(),
        months=months,
        surcharge=surcharge,
        **{k: v for k, v in values.items() if not k.startswith("surcharge")},
    )


def parse_kind(word: str) -> str:
    kind = KIND_WORDS.get(word.strip().lower())
    if kind is None:
        raise DeadlineError("deadline_kind", value=word)
    return kind


class Deadlines:
    """Firms' deadlines in the bot's database, and the reminders they are due."""

    def __init__(self, db: Database, hour: int, months_before: Mapping[str, Sequence[int]]) -> None:
        self.db, self.hour, self.months_before = db, hour, months_before

    def plan_for(self, kind: str, due: date, facts: FactBook, today: date) -> Plan:
        return plan(kind, due, facts, self.months_before.get(kind, ()), today)

    def add(
        self, user: str, kind_word: str, typed_date: str, label: str, facts: FactBook, now: datetime
    ) -> tuple[Deadline, list[date]]:
        """Record a deadline (typed kind and YYYY-MM-DD date); returns it and its future reminder days.
        DeadlineError (a text key) for a bad kind, date, one already past, or too many."""
        kind = parse_kind(kind_word)
        try:
            due = parse_date(typed_date)
        except BadTime as exc:
            raise DeadlineError(exc.key, **exc.values) from None
        today = local_date(now)
        if abs(due.year - today.year) > MAX_YEARS_AHEAD:
            raise DeadlineError("deadline_too_far", value=due.isoformat())
        the_plan = self.plan_for(kind, due, facts, today)
        if the_plan.last_day < today:
            raise DeadlineError("deadline_past", value=due.isoformat(), last=the_plan.last_day.isoformat())
        if self.db["deadlines"].count_where("user = ?", [user]) >= MAX_PER_FIRM:
            raise DeadlineError("deadline_too_many", count=str(MAX_PER_FIRM))
        upcoming = [p for p in the_plan.points if at_local(p.day, self.hour) > now]
        row = {
            "user": user,
            "kind": kind,
            "due": due.isoformat(),
            "label": without_surrogates(label.strip()[:LABEL_CHARS]) or None,
            "created": iso(now),
            "next_at": iso(at_local(upcoming[0].day, self.hour)) if upcoming else None,
        }
        with self.db.atomic():
            deadline = self.get(user, insert_row(self.db.table("deadlines"), row))
        assert deadline is not None, "the deadline was written in this transaction"
        return deadline, [p.day for p in upcoming]

    def get(self, user: str, deadline_id: int) -> Deadline | None:
        row = next(
            self.db.query("select * from deadlines where id = ? and user = ?", [deadline_id, user]), None
        )
        return Deadline.from_row(row) if row else None

    def of(self, user: str) -> list[Deadline]:
        rows = self.db.query("select * from deadlines where user = ? order by due, id", [user])
        return [Deadline.from_row(row) for row in rows]

    def remove(self, user: str, deadline_id: int) -> bool:
        if not fits_row_id(deadline_id):
            return False
        with self.db.atomic():
            return (
                self.db.execute(
                    "delete from deadlines where id = ? and user = ?", [deadline_id, user]
                ).rowcount
                == 1
            )

    def fire_due(self, outbox: Outbox, facts: FactBook, now: datetime) -> int:
        """Write (and fan out) the reminders that are due: the latest due point of each deadline
        (points missed while the bot was down are not sent one by one); each point goes out once."""
        fired = 0
        rows = list(
            self.db.query("select * from deadlines where next_at is not null and next_at <= ?", [iso(now)])
        )
        for row in rows:
            deadline = Deadline.from_row(row)
            try:
                the_plan = self.plan_for(deadline.kind, deadline.due, facts, local_date(now))
            except DeadlineError as exc:
                log.warning("deadline %s: %s %s", deadline.id, exc.key, exc.values)
                continue
            due_points = [p for p in the_plan.points if at_local(p.day, self.hour) <= now]
            later = [p for p in the_plan.points if at_local(p.day, self.hour) > now]
            if due_points:
                fired += self._send(outbox, deadline, due_points[-1], the_plan.values, now)
            next_at = iso(at_local(later[0].day, self.hour)) if later else None
            with self.db.atomic():
                self.db.execute("update deadlines set next_at = ? where id = ?", [next_at, deadline.id])
        return fired

    def _send(
        self, outbox: Outbox, deadline: Deadline, point: Point, values: Mapping[str, str], now: datetime
    ) -> int:
        broadcast = outbox.create(
            kind=DEADLINE,
            text=message(deadline, point, values, "zh"),
            text_en=message(deadline, point, values, "en"),
            audience=Audience(users=(deadline.user,)),
            when=When(None),
            now=now,
            topic=KIND_TOPICS[deadline.kind],
            footer=FOOTER_DEADLINES,
            user=deadline.user,
            dedup_key=f"deadline:{deadline.id}:{point.name}",
        )
        return int(broadcast is not None and outbox.fire(broadcast, now) is not None)
