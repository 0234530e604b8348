"""The bureau's report: report.md, one CSV table per figure family (and all of them in report.xlsx) and
PNG charts; texts for /stats, /gaps."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sqlite_utils import Database

from bot.answering.ports import CLARIFY, DECISIONS
from bot.common.clock import SHANGHAI, local_date
from bot.common.config import MetricsSettings
from bot.common.tables import Table, write_tables
from bot.common.vocab import CITY, OUT_OF_SCOPE, SMALLTALK
from bot.i18n.texts import clause_separator, text, title
from bot.metrics.charts import ChartFontError, bar_chart_png, find_cjk_font, trend_chart_png
from bot.metrics.queries import (
    FirmsRow,
    Gap,
    Period,
    ReminderRow,
    Satisfaction,
    Summary,
    clarifications_resolved,
    decisions_of,
    firms_table,
    knowledge_gaps,
    question_mix,
    question_places,
    questions_per_day,
    ratings,
    referrals,
    reminders,
    rolled_before,
    satisfaction_by,
    snapshot,
    weekly,
)
from bot.metrics.tickets import TicketFigures, link_gaps, ticket_metrics

WORKBOOK = "report.xlsx"  # the CSV tables again, one sheet each, for Excel
QUOTE_CHARS = 40  # what a firm wrote, as report.md quotes it
TOP_ROWS = 15  # rows of the long tables (entries, stations) shown in report.md; the CSV has them all
REPORT_LANGUAGE = "zh"  # report.md is Chinese, with English beside its headings (bot/metrics/messages.yaml)
# Codes in the figures → their message; a code without one is shown as it is.
OTHER_TOPIC_LABELS = {SMALLTALK: "rpt_smalltalk", OUT_OF_SCOPE: "rpt_out_of_scope"}
DECISION_LABELS = {"answer": "rpt_decision_answer", "clarify": "rpt_decision_clarify", "fallback": "rpt_decision_fallback"}
CHANNEL_LABELS = {"telegram": "rpt_channel_telegram", "wecom": "rpt_channel_wecom", "wecom_kf": "rpt_channel_wecom_kf",
                  "console": "rpt_channel_console", "cli": "rpt_channel_cli", "test": "rpt_channel_test"}
PERIOD_LABELS = {"week": "rpt_period_week", "month": "rpt_period_month", "period": "rpt_period_whole"}
REMINDER_LABELS = {"broadcast": "rpt_reminder_broadcast", "deadline": "rpt_reminder_deadline",
                   "calendar": "rpt_reminder_calendar", "total": "rpt_total"}


def said(key: str, **values: str) -> str:
    """A message of the report, in the report's language."""
    return text(key, REPORT_LANGUAGE, **values)


def labelled(labels: dict[str, str], code: str) -> str:
    """A code as the report shows it: its label, else the code itself, else 未注明 when empty."""
    key = labels.get(code)
    return said(key) if key else code or said("rpt_unknown")


def topic_label(topic: str) -> str:
    if topic in OTHER_TOPIC_LABELS:
        return said(OTHER_TOPIC_LABELS[topic])
    return title("topic", topic, REPORT_LANGUAGE) if topic else said("rpt_unknown")


def county_label(county: str) -> str:
    return said("rpt_city") if county == CITY else county or said("rpt_unknown")


def channel_label(channel: str) -> str:
    return labelled(CHANNEL_LABELS, channel)


def heading(level: int, key: str, **values: str) -> str:
    """A markdown heading of the report."""
    return f"{'#' * level} {said(key, **values)}"


def column_names(*keys: str) -> tuple[str, ...]:
    return tuple(said(key) for key in keys)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rate_cell(share: float | None) -> str:
    """A share in a CSV cell: four decimals, empty when undefined."""
    return "" if share is None else f"{share:.4f}"


def count_cell(value: int | None) -> str:
    return "" if value is None else str(value)


# ---- the figures of a period ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    period: Period
    include_internal: bool
    retention_days: int
    rolled_before: date | None
    generated: datetime
    per_day: dict[date, int]
    mix: Counter[tuple]
    places: Counter[tuple]
    rated: Counter[tuple]
    resolved: int
    referrals: Counter[tuple]
    firms: list[FirmsRow]
    reminders: list[ReminderRow] | None
    gaps: list[Gap]
    tickets: TicketFigures

    @property
    def questions(self) -> int:
        return sum(self.per_day.values())

    @property
    def observed_end(self) -> date:
        """The period's last day that had begun when the report was made (later days are not zeros)."""
        return min(self.period.end, local_date(self.generated))

    @property
    def empty(self) -> bool:
        return not (self.questions or self.mix or self.referrals)

    @property
    def decisions(self) -> dict[str, int]:
        return decisions_of(self.mix)

    def questions_by_topic(self) -> list[tuple[str, int]]:
        asked = Counter({key: n for key, n in self.mix.items() if key[0] == "question"})
        return ranked(asked, lambda key: key[2])

    def questions_by(self, position: int) -> list[tuple[str, int]]:
        """Questions by county (0) or channel (1)."""
        return ranked(self.places, lambda key: key[position])

    def satisfaction(self, level: str) -> dict[str, Satisfaction]:
        return satisfaction_by(self.mix, self.rated, level)

    def referrals_by(self, position: int) -> list[tuple[str, int]]:
        """Referrals by station id (0), station type (1), county (2) or topic (3)."""
        return ranked(self.referrals, lambda key: key[position])


def ranked(counts: Counter[tuple], key: Callable[[tuple], str]) -> list[tuple[str, int]]:
    """Counts regrouped by `key`, largest first (ties by name)."""
    grouped: Counter[str] = Counter()
    for row, count in counts.items():
        grouped[key(row)] += count
    return sorted(grouped.items(), key=lambda item: (-item[1], item[0]))


def collect(db: Database, period: Period, settings: MetricsSettings, include_internal: bool,
            generated: datetime) -> ReportData:
    """Count every figure of the period up to the day the report is made (days still to come are left
    out, not counted as zeros), in one read transaction (see snapshot)."""
    with snapshot(db):
        data = _collect(db, elapsed(period, local_date(generated)), settings, include_internal, generated)
    return replace(data, period=period)


def elapsed(period: Period, today: date) -> Period:
    """The part of the period up to `today` (the whole period when it has not begun: all zeros)."""
    return Period(period.start, min(period.end, today)) if today >= period.start else period


def _collect(db: Database, period: Period, settings: MetricsSettings, include_internal: bool,
             generated: datetime) -> ReportData:
    mix = question_mix(db, period, include_internal)
    return ReportData(
        period=period, include_internal=include_internal, retention_days=settings.retention_days,
        rolled_before=rolled_before(db), generated=generated,
        per_day=questions_per_day(db, period, include_internal),
        mix=mix,
        places=question_places(db, period, include_internal),
        rated=ratings(db, period, include_internal),
        resolved=clarifications_resolved(db, period, include_internal),
        referrals=referrals(db, period, include_internal),
        firms=firms_table(db, period, include_internal),
        reminders=reminders(db, period),
        gaps=link_gaps(db, knowledge_gaps(db, period.start, period.end, settings.gap_limit, settings.gap_similarity,
                                          include_internal), period, include_internal),
        tickets=ticket_metrics(db, period.start, period.end, include_internal),
    )


# ---- CSV tables -----------------------------------------------------------------------------------


def questions_table(data: ReportData) -> Table:
    rows = [("day", d.isoformat(), n) for d, n in data.per_day.items()]
    rows += [("week", monday.isoformat(), n) for monday, n in weekly(data.per_day)]
    months: Counter[str] = Counter()
    for day, n in data.per_day.items():
        months[day.strftime("%Y-%m")] += n
    rows += [("month", m, n) for m, n in sorted(months.items())]
    rows += [("topic", key, n) for key, n in data.questions_by_topic()]
    rows += [("county", key, n) for key, n in data.questions_by(0)]
    rows += [("channel", key, n) for key, n in data.questions_by(1)]
    return Table("questions", ("breakdown", "value", "questions"), rows)


def decisions_table(data: ReportData) -> Table:
    decisions, total = data.decisions, data.questions
    rows = [(d, decisions[d], rate_cell(ratio(decisions[d], total)), "questions") for d in DECISIONS]
    rows.append(("clarify_resolved_by_choice", data.resolved,
                 rate_cell(ratio(data.resolved, decisions[CLARIFY])), "clarify"))
    return Table("decisions", ("decision", "count", "share", "share_of"), rows)


def satisfaction_row(level: str, key: str, s: Satisfaction) -> tuple:
    return (level, key, s.answers, s.rated, rate_cell(s.response_rate), s.up, s.down, rate_cell(s.approval))


def by_answers(items: dict[str, Satisfaction]) -> list[tuple[str, Satisfaction]]:
    return sorted(items.items(), key=lambda item: (-item[1].answers, item[0]))


def satisfaction_table(data: ReportData) -> Table:
    rows = [satisfaction_row("all", "", data.satisfaction("").get("", Satisfaction()))]
    rows += [satisfaction_row("topic", k, s) for k, s in by_answers(data.satisfaction("topic"))]
    rows += [satisfaction_row("entry", k, s) for k, s in by_answers(data.satisfaction("intent"))]
    columns = ("level", "key", "answers", "rated", "response_rate", "up", "down", "approval")
    return Table("satisfaction", columns, rows)


def referrals_table(data: ReportData) -> Table:
    rows = []
    for breakdown, position in (("station", 0), ("station_type", 1), ("county", 2), ("topic", 3)):
        rows += [(breakdown, key, n) for key, n in data.referrals_by(position)]
    return Table("referrals", ("breakdown", "value", "referrals"), rows)


def firms_csv(data: ReportData) -> Table:
    rows = [(r.period, r.start.isoformat(), r.end.isoformat(), count_cell(r.active), r.new_subscribers)
            for r in data.firms]
    return Table("firms", ("period", "start", "end", "active_firms", "new_subscribers"), rows)


def reminders_table(rows: list[ReminderRow]) -> Table:
    columns = tuple(ReminderRow.__dataclass_fields__)
    body = [tuple(getattr(r, f) for f in columns) for r in rows]
    total = ("total", *(sum(row[i] for row in body) for i in range(1, len(columns))))
    return Table("reminders", columns, body + [total])


def gaps_table(data: ReportData) -> Table:
    rows = [(rank, g.count, g.fallback, g.thumbs_down, g.example, "; ".join(g.variants[1:]), ticket_ids(g))
            for rank, g in enumerate(data.gaps, start=1)]
    return Table("gaps", ("rank", "count", "fallback", "thumbs_down", "example", "variants", "tickets"), rows)


def ticket_ids(gap: Gap) -> str:
    return " ".join(f"#{t}" for t in gap.tickets)


def minutes_cell(minutes: float | None) -> str:
    return "" if minutes is None else f"{minutes:.1f}"


def tickets_table(data: ReportData) -> Table:
    """Totals, then tickets by topic and by county."""
    figures = data.tickets
    rows = [("total", "tickets", figures.tickets), ("total", "claimed", figures.claimed),
            ("total", "answered", figures.answered), ("total", "closed", figures.closed),
            ("total", "escalated", figures.escalated),
            ("share", "answered", rate_cell(figures.answered_share)), ("share", "closed", rate_cell(figures.closed_share)),
            ("median_minutes", "to_claim", minutes_cell(figures.minutes_to_claim)),
            ("median_minutes", "to_first_response", minutes_cell(figures.minutes_to_first_response)),
            ("median_minutes", "to_close", minutes_cell(figures.minutes_to_close))]
    rows += [("topic", key, n) for key, n in figures.by_topic.items()]
    rows += [("county", key, n) for key, n in figures.by_county.items()]
    return Table("tickets", ("breakdown", "value", "figure"), rows)


def tables(data: ReportData) -> list[Table]:
    """One CSV table per figure family (reminders only once the outbox exists)."""
    found = [questions_table(data), decisions_table(data), satisfaction_table(data), referrals_table(data),
             firms_csv(data), gaps_table(data), tickets_table(data)]
    if data.reminders is not None:
        found.append(reminders_table(data.reminders))
    return found


# ---- charts ---------------------------------------------------------------------------------------


def charts(data: ReportData, font: Path) -> dict[str, bytes]:
    """The report's PNG charts, for the figures that have data."""
    found: dict[str, bytes] = {}
    topics = data.questions_by_topic()
    if topics:
        found["questions_per_topic.png"] = bar_chart_png(
            said("rpt_chart_topics"), [topic_label(k) for k, _ in topics], [n for _, n in topics], font)
    if data.questions:
        found["weekly_trend.png"] = trend_chart_png(
            weekly(data.per_day), font, data.period.start, data.observed_end, lang=REPORT_LANGUAGE)
        decisions = data.decisions
        found["decision_mix.png"] = bar_chart_png(
            said("rpt_chart_decisions"), [said(DECISION_LABELS[d]) for d in DECISIONS],
            [decisions[d] for d in DECISIONS], font)
    counties = data.referrals_by(2)
    if counties:
        found["referrals_per_county.png"] = bar_chart_png(
            said("rpt_chart_counties"), [county_label(k) for k, _ in counties], [n for _, n in counties],
            font)
    return found


# ---- report.md ------------------------------------------------------------------------------------


def shortened(quoted: str, limit: int = QUOTE_CHARS) -> str:
    """What a firm wrote, cut to `limit` characters with an ellipsis (the CSV keeps it whole)."""
    return quoted if len(quoted) <= limit else quoted[: limit - 1] + "…"


def md_cell(value: object) -> str:
    """A table cell: a pipe or line break that a firm typed cannot break the table."""
    return " ".join(str(value).split()).replace("|", "\\|")


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return lines if len(lines) > 2 else [said("rpt_no_data")]


def share_rows(items: list[tuple[str, int]], label: Callable[[str], str], total: int) -> list[tuple]:
    return [(label(key), n, percent(ratio(n, total))) for key, n in items]


def satisfaction_phrase(s: Satisfaction, lang: str = "zh") -> str:
    """👍/👎 with the approval and, always with it, the share of answers rated."""
    if not s.rated:
        return text("stats_unrated", lang, answers=str(s.answers))
    return text("stats_satisfaction", lang, up=str(s.up), down=str(s.down), approval=percent(s.approval),
                rate=percent(s.response_rate), rated=str(s.rated), answers=str(s.answers))


def retention_note(data: ReportData) -> str:
    note = said("rpt_retention", days=str(data.retention_days))
    if data.rolled_before is None:
        return note + said("rpt_retention_none_rolled")
    rolled = "rpt_retention_rolled_in_period" if data.period.start < data.rolled_before else "rpt_retention_rolled"
    return note + said(rolled, date=str(data.rolled_before))


def summary_rows(data: ReportData) -> list[tuple[str, object]]:
    """The headline figures as (figure, value) rows (report.md's summary, the web dashboard's cards)."""
    decisions, total = data.decisions, data.questions
    period_firms = next(r for r in data.firms if r.period == "period")
    rows: list[tuple[str, object]] = [(said("rpt_questions"), total)]
    rows += [(f"{said(DECISION_LABELS[d])} {d}", count_share(decisions[d], ratio(decisions[d], total)))
             for d in DECISIONS]
    rows += [
        (said("rpt_resolved_by_choice"),
         said("rpt_part_share", part=str(data.resolved), whole=str(decisions[CLARIFY]),
              share=percent(ratio(data.resolved, decisions[CLARIFY])))),
        (said("rpt_satisfaction"), satisfaction_phrase(data.satisfaction("").get("", Satisfaction()))),
        (said("rpt_referrals"), sum(data.referrals.values())),
        (said("rpt_active_firms"), count_cell(period_firms.active) or "—"),
        (said("rpt_new_subscribers"), period_firms.new_subscribers),
        (said("rpt_tickets"), said("rpt_tickets_answered_share", tickets=str(data.tickets.tickets),
                                   share=percent(data.tickets.answered_share))),
    ]
    return rows


def summary_lines(data: ReportData) -> list[str]:
    return md_table(column_names("rpt_figure", "rpt_value"), summary_rows(data))


def count_share(count: int, share: float | None) -> str:
    """A count with its share beside it: 5（50.0%）."""
    return said("rpt_count_share", count=str(count), share=percent(share))


def image(alt_key: str, name: str) -> list[str]:
    """A chart embedded in report.md, then a blank line."""
    return [f"![{said(alt_key)}]({name})", ""]


def questions_lines(data: ReportData, images: set[str]) -> list[str]:
    total = data.questions
    lines = [heading(2, "rpt_questions"), ""]
    if "weekly_trend.png" in images:
        lines += image("rpt_alt_weekly", "weekly_trend.png")
    lines += [heading(3, "rpt_per_week"), ""]
    lines += md_table(column_names("rpt_week_of", "rpt_questions"),
                      [(m.isoformat(), n) for m, n in weekly(data.per_day)])
    lines += ["", heading(3, "rpt_by_topic"), ""]
    if "questions_per_topic.png" in images:
        lines += image("rpt_alt_topics", "questions_per_topic.png")
    lines += md_table(column_names("rpt_topic", "rpt_questions_column", "rpt_share"),
                      share_rows(data.questions_by_topic(), topic_label, total))
    lines += ["", heading(3, "rpt_by_county"), ""]
    lines += md_table(column_names("rpt_county", "rpt_questions_column", "rpt_share"),
                      share_rows(data.questions_by(0), county_label, total))
    lines += ["", heading(3, "rpt_by_channel"), ""]
    lines += md_table(column_names("rpt_channel", "rpt_questions_column", "rpt_share"),
                      share_rows(data.questions_by(1), channel_label, total))
    return lines + ["", said("rpt_daily_note")]


def decisions_lines(data: ReportData, images: set[str]) -> list[str]:
    decisions = data.decisions
    lines = [heading(2, "rpt_decisions"), ""]
    if "decision_mix.png" in images:
        lines += image("rpt_alt_decisions", "decision_mix.png")
    lines += md_table(column_names("rpt_decision", "rpt_count", "rpt_share"),
                      [(said(DECISION_LABELS[d]), decisions[d], percent(ratio(decisions[d], data.questions)))
                       for d in DECISIONS])
    return lines + ["", said("rpt_clarify_resolved", clarify=str(decisions[CLARIFY]), resolved=str(data.resolved),
                             share=percent(ratio(data.resolved, decisions[CLARIFY])))]


def satisfaction_figures() -> tuple[str, ...]:
    """The satisfaction table's figure columns."""
    answers, rated, rate, approval = column_names("rpt_answers", "rpt_rated", "rpt_response_rate", "rpt_approval")
    return (answers, rated, rate, "👍", "👎", approval)


def satisfaction_rows(items: list[tuple[str, Satisfaction]], label: Callable[[str], str]) -> list[tuple]:
    """(label, answers, rated, response rate, 👍, 👎, approval) rows: approval never without its response rate."""
    return [(label(k), s.answers, s.rated, percent(s.response_rate), s.up, s.down, percent(s.approval))
            for k, s in items]


def satisfaction_total(data: ReportData) -> list[tuple]:
    return satisfaction_rows([("", data.satisfaction("").get("", Satisfaction()))], lambda _: said("rpt_total"))


def satisfaction_lines(data: ReportData) -> list[str]:
    by_topic = by_answers(data.satisfaction("topic"))
    lines = [heading(2, "rpt_satisfaction"), "", said("rpt_satisfaction_note"), ""]
    lines += md_table((said("rpt_topic"), *satisfaction_figures()),
                      satisfaction_total(data) + satisfaction_rows(by_topic, topic_label))
    lines += ["", heading(3, "rpt_by_entry", top=str(TOP_ROWS)), ""]
    by_entry = by_answers(data.satisfaction("intent"))[:TOP_ROWS]
    return lines + md_table((said("rpt_entry"), *satisfaction_figures()), satisfaction_rows(by_entry, str))


def referrals_lines(data: ReportData, images: set[str]) -> list[str]:
    total = sum(data.referrals.values())
    lines = [heading(2, "rpt_referrals"), "", said("rpt_referrals_total", total=str(total)), ""]
    if "referrals_per_county.png" in images:
        lines += image("rpt_alt_counties", "referrals_per_county.png")
    lines += [heading(3, "rpt_by_county"), ""]
    lines += md_table(column_names("rpt_county", "rpt_referrals_column", "rpt_share"),
                      share_rows(data.referrals_by(2), county_label, total))
    lines += ["", heading(3, "rpt_by_station_type"), ""]
    lines += md_table(column_names("rpt_station_type", "rpt_referrals_column", "rpt_share"),
                      share_rows(data.referrals_by(1), str, total))
    lines += ["", heading(3, "rpt_by_station", top=str(TOP_ROWS)), ""]
    return lines + md_table(column_names("rpt_station", "rpt_referrals_column", "rpt_share"),
                            share_rows(data.referrals_by(0)[:TOP_ROWS], str, total))


def reminder_header() -> tuple[str, ...]:
    """The reminders table's columns."""
    return column_names("rpt_kind", "rpt_broadcasts", "rpt_scheduled", "rpt_delivered", "rpt_failed",
                        "rpt_blocked", "rpt_pending", "rpt_repeated")


def reminder_rows(rows: list[ReminderRow]) -> list[tuple]:
    """The reminders table with its kinds named, the total last."""
    return [(labelled(REMINDER_LABELS, row[0]), *row[1:]) for row in reminders_table(rows).rows]


def reminders_lines(data: ReportData) -> list[str]:
    lines = [heading(2, "rpt_reminders"), ""]
    if data.reminders is None:
        return lines + [said("rpt_reminders_unavailable")]
    return lines + [said("rpt_reminders_note"), ""] + md_table(reminder_header(), reminder_rows(data.reminders))


def firms_lines(data: ReportData) -> list[str]:
    lines = [heading(2, "rpt_firms"), "", said("rpt_firms_note"), ""]
    rows = [(said(PERIOD_LABELS[r.period]), r.start.isoformat(), r.end.isoformat(), count_cell(r.active) or "—",
             r.new_subscribers) for r in data.firms]
    lines += md_table(column_names("rpt_period_column", "rpt_from", "rpt_to", "rpt_active_firms",
                                   "rpt_new_subscribers"), rows)
    return lines


def gaps_lines(data: ReportData) -> list[str]:
    lines = [heading(2, "rpt_gaps"), "", said("rpt_gaps_note"), ""]
    if data.rolled_before and data.period.start < data.rolled_before:
        lines += [said("rpt_gaps_rolled", date=str(data.rolled_before)), ""]
    rows = [(rank, g.count, g.fallback, g.thumbs_down, shortened(g.example),
             shortened(clause_separator(REPORT_LANGUAGE).join(g.variants[1:4])) or "—", ticket_ids(g) or "—")
            for rank, g in enumerate(data.gaps, start=1)]
    header = ("#", *column_names("rpt_times", "rpt_decision_fallback"), "👎",
              *column_names("rpt_example", "rpt_variants", "rpt_ticket_ids"))
    return lines + md_table(header, rows)


def minutes_text(minutes: float | None) -> str:
    return "—" if minutes is None else said("minutes", n=f"{minutes:.0f}")


def ticket_rows(figures: TicketFigures) -> list[tuple[str, object]]:
    """The tickets' totals and median times as (figure, value) rows."""
    return [
        (said("rpt_ticket_ids"), figures.tickets),
        (said("rpt_claimed"), figures.claimed),
        (said("rpt_answered"), count_share(figures.answered, figures.answered_share)),
        (said("rpt_closed"), count_share(figures.closed, figures.closed_share)),
        (said("rpt_escalated"), figures.escalated),
        (said("rpt_time_to_claim"), minutes_text(figures.minutes_to_claim)),
        (said("rpt_time_to_first_response"), minutes_text(figures.minutes_to_first_response)),
        (said("rpt_time_to_close"), minutes_text(figures.minutes_to_close)),
    ]


def tickets_lines(data: ReportData) -> list[str]:
    figures = data.tickets
    lines = [heading(2, "rpt_tickets"), "", said("rpt_tickets_note"), ""]
    lines += md_table(column_names("rpt_figure", "rpt_value"), ticket_rows(figures))
    lines += ["", heading(3, "rpt_by_topic_guessed"), ""]
    lines += md_table(column_names("rpt_topic", "rpt_ticket_column", "rpt_share"),
                      share_rows(list(figures.by_topic.items()), topic_label, figures.tickets))
    lines += ["", heading(3, "rpt_by_county"), ""]
    return lines + md_table(column_names("rpt_county", "rpt_ticket_column", "rpt_share"),
                            share_rows(list(figures.by_county.items()), county_label, figures.tickets))


def future_note(data: ReportData) -> list[str]:
    """A line saying which days of the period had not come yet when the report was made."""
    if data.observed_end >= data.period.end:
        return []
    first = max(data.observed_end + timedelta(days=1), data.period.start)
    return [f"- {said('rpt_not_yet', first=str(first), end=str(data.period.end))}"]


def markdown(data: ReportData, images: set[str], chart_note: str | None) -> str:
    scope = said("rpt_scope_internal" if data.include_internal else "rpt_scope_public")
    generated = f"{data.generated.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    lines = [
        heading(1, "rpt_title"), "",
        f"- {said('rpt_period_line', start=str(data.period.start), end=str(data.period.end))}",
        *future_note(data),
        f"- {said('rpt_scope_line', scope=scope)}",
        f"- {said('rpt_retention_line', note=retention_note(data))}",
        f"- {said('rpt_generated_line', time=generated)}", "",
    ]
    if data.empty:
        lines += [f"> {said('rpt_empty')}", ""]
    if chart_note:
        lines += [f"> {said('rpt_no_charts', reason=chart_note)}", ""]
    lines += [heading(2, "rpt_summary"), ""] + summary_lines(data) + [""]
    sections = (questions_lines(data, images), decisions_lines(data, images), satisfaction_lines(data),
                referrals_lines(data, images), reminders_lines(data), firms_lines(data), tickets_lines(data),
                gaps_lines(data))
    for section in sections:
        lines += section + [""]
    return "\n".join(lines)


@dataclass(frozen=True)
class WrittenReport:
    files: list[Path]
    chart_error: str | None


def write_report(data: ReportData, folder: Path, font: Path | None = None) -> WrittenReport:
    """Write report.md, the CSV tables, their workbook and the charts into `folder` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = write_tables(tables(data), folder, WORKBOOK)
    try:
        images = charts(data, find_cjk_font(font))
        chart_error = None
    except ChartFontError as exc:
        images, chart_error = {}, str(exc)
    for name, png in images.items():
        (folder / name).write_bytes(png)
        files.append(folder / name)
    report = folder / "report.md"
    report.write_text(markdown(data, set(images), chart_error), encoding="utf-8")
    return WrittenReport([report, *files], chart_error)


# ---- texts for the specialists' commands (/stats, /gaps) ------------------------------------------


def summary_text(summary: Summary, lang: str = "zh") -> str:
    """/stats: the headline figures of a period as one message."""
    start, end = str(summary.period.start), str(summary.period.end)
    if summary.empty:
        return text("stats_empty", lang, start=start, end=end)
    missing = text("not_available", lang)
    return text(
        "stats_summary", lang, start=start, end=end, questions=str(summary.questions),
        answer=str(summary.decisions["answer"]), clarify=str(summary.decisions["clarify"]),
        resolved=str(summary.clarifications_resolved), fallback=str(summary.decisions["fallback"]),
        satisfaction=satisfaction_phrase(summary.satisfaction, lang), referrals=str(summary.referrals),
        firms=count_cell(summary.active_firms) or missing,
        subscribers=str(summary.new_subscribers),
    )


def gaps_text(gaps: list[Gap], start: date, end: date, lang: str = "zh") -> str:
    """/gaps: the top knowledge gaps, one numbered line each."""
    if not gaps:
        return text("gaps_none", lang, start=str(start), end=str(end))
    lines = [text("gaps_title", lang, start=str(start), end=str(end))]
    for rank, gap in enumerate(gaps, start=1):
        similar = text("gaps_variants", lang, n=str(len(gap.variants) - 1)) if len(gap.variants) > 1 else ""
        tickets = text("gaps_tickets", lang, tickets=ticket_ids(gap)) if gap.tickets else ""
        lines.append(text("gaps_line", lang, rank=str(rank), example=gap.said or gap.example, count=str(gap.count),
                          fallback=str(gap.fallback), down=str(gap.thumbs_down), variants=similar) + tickets)
    return "\n".join(lines)
