"""The bureau's pages: the dashboard of the report's figures for a period (charts, the plan's targets
from the knowledge base's facts, .xlsx and CSV downloads through the report's writers) and the knowledge
base: entries by topic, each answer as it reads on a chosen day, its source, review dates and use."""
from __future__ import annotations

import base64
from datetime import date

from starlette.responses import Response

from bot.common.tables import csv_bytes, xlsx_bytes
from bot.common.vocab import IP_TOPICS, SMALLTALK
from bot.knowledge.base import Entry, KnowledgeBase
from bot.knowledge.over_time import review_by
from bot.metrics.charts import ChartFontError, find_cjk_font
from bot.metrics.queries import (
    DECISIONS,
    Period,
    Satisfaction,
    question_mix,
    ratings,
    satisfaction_by,
    snapshot,
)
from bot.metrics.report import (
    DECISION_LABELS,
    ReportData,
    by_answers,
    channel_label,
    charts,
    collect,
    county_label,
    percent,
    ratio,
    reminder_header,
    reminder_rows,
    said,
    satisfaction_figures,
    satisfaction_rows,
    satisfaction_total,
    share_rows,
    summary_rows,
    tables,
    ticket_rows,
    topic_label,
)
from web.accounts import BUREAU
from web.app import Context, guarded, refused, render, route
from web.periods import Chosen, chosen_day, chosen_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KNOWLEDGE_USE_DAYS = 365  # the knowledge page counts use over the last year unless told


def report_data(ctx: Context, chosen: Chosen) -> ReportData:
    console = ctx.console
    return collect(console.db, chosen.period, console.settings.metrics, chosen.include_internal,
                   console.clock.now())


def chart_images(ctx: Context, data: ReportData) -> tuple[dict[str, str], str]:
    """The report's PNG charts as data: URLs, or a note when no CJK font is installed."""
    try:
        font = find_cjk_font(ctx.console.settings.metrics.chart_font)
    except ChartFontError as exc:
        return {}, str(exc)
    pngs = charts(data, font)
    return {name: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for name, png in pngs.items()}, ""


def is_plan_target(name: str) -> bool:
    return name.startswith("plan.") or ".plan." in name


def plan_targets(kb: KnowledgeBase, day: date) -> list[tuple[str, str, str]]:
    """(fact name, value as the bot quotes it on `day`, source) of every plan target in the facts."""
    found = []
    for name, fact in sorted(kb.facts.facts.items()):
        version = fact.applicable_version(day)
        if is_plan_target(name) and version is not None:
            found.append((name, fact.render("zh", day, laws=kb.facts.laws), version.source))
    return found


@guarded(BUREAU)
async def dashboard(ctx: Context) -> Response:
    chosen = chosen_period(ctx)
    data = report_data(ctx, chosen)
    images, chart_note = chart_images(ctx, data)
    total, decisions = data.questions, data.decisions
    return render(
        ctx, "dashboard.html", chosen=chosen, data=data, images=images, chart_note=chart_note,
        summary=summary_rows(data),
        topics=share_rows(data.questions_by_topic(), topic_label, total),
        channels=share_rows(data.questions_by(1), channel_label, total),
        counties=share_rows(data.questions_by(0), county_label, total),
        decisions=[(said(DECISION_LABELS[d]), decisions[d], percent(ratio(decisions[d], total))) for d in DECISIONS],
        satisfaction_header=satisfaction_figures(),
        satisfaction=satisfaction_total(data) + satisfaction_rows(by_answers(data.satisfaction("topic")), topic_label),
        referral_counties=share_rows(data.referrals_by(2), county_label, sum(data.referrals.values())),
        referral_stations=share_rows(data.referrals_by(0), str, sum(data.referrals.values())),
        reminder_header=reminder_header(),
        reminders=reminder_rows(data.reminders) if data.reminders is not None else None,
        tickets=ticket_rows(data.tickets),
        targets=plan_targets(ctx.console.engine.kb, chosen.period.end),
        tables=[t.name for t in tables(data)],
    )


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@guarded(BUREAU)
async def download_xlsx(ctx: Context) -> Response:
    chosen = chosen_period(ctx)
    body = xlsx_bytes(tables(report_data(ctx, chosen)))
    return attachment(body, XLSX, f"report_{chosen.period.start}_{chosen.period.end}.xlsx")


@guarded(BUREAU)
async def download_csv(ctx: Context) -> Response:
    chosen = chosen_period(ctx)
    name = ctx.request.path_params["table"]
    table = next((t for t in tables(report_data(ctx, chosen)) if t.name == name), None)
    if table is None:
        return refused(ctx, 404, f"没有名为「{name}」的表。")
    return attachment(csv_bytes(table), "text/csv; charset=utf-8", f"{name}_{chosen.period.start}_{chosen.period.end}.csv")


# ---- knowledge --------------------------------------------------------------------------------------


def entry_use(ctx: Context, period: Period) -> dict[str, Satisfaction]:
    """How often each entry was given as an answer in the period, and how it was rated."""
    db = ctx.console.db
    with snapshot(db):
        return satisfaction_by(question_mix(db, period), ratings(db, period), "intent")


def matches(entry: Entry, words: str) -> bool:
    """Every typed word appears in the entry's id, title, phrasings or answers (case-insensitive)."""
    haystack = " ".join([entry.id, entry.title, entry.title_en, *entry.questions, entry.answer, entry.answer_en]).lower()
    return all(word in haystack for word in words.lower().split())


@guarded()
async def knowledge(ctx: Context) -> Response:
    kb = ctx.console.engine.kb
    topic, words = ctx.param("topic"), ctx.param("q").strip()
    chosen = chosen_period(ctx, KNOWLEDGE_USE_DAYS)
    found = [e for e in kb.entries.values() if (not topic or e.topic == topic) and matches(e, words)]
    use = entry_use(ctx, chosen.period)
    return render(ctx, "knowledge.html", entries=sorted(found, key=lambda e: (e.topic, e.id)), use=use,
                  topics=[(t, topic_label(t)) for t in (*IP_TOPICS, SMALLTALK)], topic=topic, q=words,
                  chosen=chosen, topic_label=topic_label)


@guarded()
async def knowledge_entry(ctx: Context) -> Response:
    kb = ctx.console.engine.kb
    entry = kb.entries.get(ctx.request.path_params["entry_id"])
    if entry is None:
        return refused(ctx, 404, "知识库中没有这个条目。")
    day, note = chosen_day(ctx)
    chosen = chosen_period(ctx, KNOWLEDGE_USE_DAYS)
    answers = {lang: kb.facts.render(template, lang, day, None, entry.cites)
               for lang, template in (("zh", entry.answer), ("en", entry.answer_en))}
    follow_ups = [kb.entries[i] for i in entry.follow_ups if i in kb.entries]
    return render(ctx, "entry.html", entry=entry, answers=answers, day=day, note=note, chosen=chosen,
                  use=entry_use(ctx, chosen.period).get(entry.id, Satisfaction()), percent=percent,
                  review_by=review_by(entry, kb.facts), follow_ups=follow_ups, topic_label=topic_label,
                  switches=[d for d in kb.facts.switch_dates() if d > day][:3])


ROUTES = [
    route("/dashboard", dashboard),
    route("/dashboard/report.xlsx", download_xlsx),
    route("/dashboard/{table}.csv", download_csv),
    route("/knowledge", knowledge),
    route("/knowledge/{entry_id}", knowledge_entry),
]
