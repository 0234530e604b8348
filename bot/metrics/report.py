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
from bot.common.vocab import CITY, OUT_OF_SCOPE, SMALLTALK, TOPIC_TITLES
from bot.i18n.texts import text
from bot.metrics.charts import ChartFontError, bar_chart_png, find_cjk_font, trend_chart_png
from bot.metrics.export import Table, write_tables
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
TOPIC_LABELS = {topic: titles[0] for topic, titles in TOPIC_TITLES.items()} | {
    SMALLTALK: "闲聊", OUT_OF_SCOPE: "范围外（未识别）"}
DECISION_LABELS = {"answer": "已回答", "clarify": "需澄清", "fallback": "未能回答"}
CHANNEL_LABELS = {"telegram": "Telegram", "wecom": "企业微信", "console": "控制台", "cli": "命令行", "test": "测试"}
PERIOD_LABELS = {"week": "周", "month": "月", "period": "全期"}
REMINDER_LABELS = {"broadcast": "群发通知", "deadline": "期限提醒", "calendar": "日程提醒", "total": "合计 Total"}
UNKNOWN = "未注明"


def topic_label(topic: str) -> str:
    return TOPIC_LABELS.get(topic, topic or UNKNOWN)


def county_label(county: str) -> str:
    return "南平市（市级）" if county == CITY else county or UNKNOWN


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel or UNKNOWN)


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
            "各主题提问数 Questions per topic", [topic_label(k) for k, _ in topics], [n for _, n in topics], font)
    if data.questions:
        found["weekly_trend.png"] = trend_chart_png(
            weekly(data.per_day), font, data.period.start, data.observed_end)
        decisions = data.decisions
        found["decision_mix.png"] = bar_chart_png(
            "回答决策 Decision mix", [DECISION_LABELS[d] for d in DECISIONS], [decisions[d] for d in DECISIONS],
            font)
    counties = data.referrals_by(2)
    if counties:
        found["referrals_per_county.png"] = bar_chart_png(
            "各县区转介数 Referrals per county", [county_label(k) for k, _ in counties], [n for _, n in counties],
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
    return lines if len(lines) > 2 else ["无数据 (no data)."]


def share_rows(items: list[tuple[str, int]], label: Callable[[str], str], total: int) -> list[tuple]:
    return [(label(key), n, percent(ratio(n, total))) for key, n in items]


def satisfaction_phrase(s: Satisfaction, lang: str = "zh") -> str:
    """👍/👎 with the approval and, always with it, the share of answers rated."""
    if not s.rated:
        return text("stats_unrated", lang, answers=str(s.answers))
    return text("stats_satisfaction", lang, up=str(s.up), down=str(s.down), approval=percent(s.approval),
                rate=percent(s.response_rate), rated=str(s.rated), answers=str(s.answers))


def retention_note(data: ReportData) -> str:
    note = (f"原始事件保留 {data.retention_days} 天（metrics.retention_days），之后由每日任务汇总为每日统计"
            f"（按日、主题、决策、县区、渠道、站点、类型计数）再删除。")
    if data.rolled_before is None:
        return note + "目前还没有事件被汇总删除。"
    note += f"{data.rolled_before} 之前的事件只剩每日汇总"
    if data.period.start < data.rolled_before:
        note += "：本报告中这部分的计数来自汇总，但知识缺口和非整周/整月的活跃企业数已无法计算（标为 —）"
    return note + "。"


def summary_lines(data: ReportData) -> list[str]:
    decisions, total = data.decisions, data.questions
    period_firms = next(r for r in data.firms if r.period == "period")
    rows: list[tuple[str, object]] = [("提问 Questions", total)]
    rows += [(f"{DECISION_LABELS[d]} {d}", f"{decisions[d]}（{percent(ratio(decisions[d], total))}）")
             for d in DECISIONS]
    rows += [
        ("澄清后经选择解决 Clarifications resolved by a choice",
         f"{data.resolved} / {decisions[CLARIFY]}（{percent(ratio(data.resolved, decisions[CLARIFY]))}）"),
        ("满意度 Satisfaction", satisfaction_phrase(data.satisfaction("").get("", Satisfaction()))),
        ("转介 Referrals", sum(data.referrals.values())),
        ("活跃企业 Active firms", count_cell(period_firms.active) or "—"),
        ("新订阅 New subscribers", period_firms.new_subscribers),
        ("转人工工单 Tickets", f"{data.tickets.tickets}（已答复 {percent(data.tickets.answered_share)}）"),
    ]
    return md_table(("指标 Figure", "数值 Value"), rows)


def questions_lines(data: ReportData, images: set[str]) -> list[str]:
    total = data.questions
    lines = ["## 提问 Questions", ""]
    if "weekly_trend.png" in images:
        lines += ["![每周提问数](weekly_trend.png)", ""]
    lines += ["### 每周 Per week (Monday)", ""]
    lines += md_table(("周一 Week of", "提问 Questions"), [(m.isoformat(), n) for m, n in weekly(data.per_day)])
    lines += ["", "### 按主题 By topic", ""]
    if "questions_per_topic.png" in images:
        lines += ["![各主题提问数](questions_per_topic.png)", ""]
    lines += md_table(("主题 Topic", "提问", "占比"), share_rows(data.questions_by_topic(), topic_label, total))
    lines += ["", "### 按县区 By county", ""]
    lines += md_table(("县区 County", "提问", "占比"), share_rows(data.questions_by(0), county_label, total))
    lines += ["", "### 按渠道 By channel", ""]
    lines += md_table(("渠道 Channel", "提问", "占比"), share_rows(data.questions_by(1), channel_label, total))
    return lines + ["", "每日数字见 questions.csv（breakdown = day）。Daily figures: questions.csv."]


def decisions_lines(data: ReportData, images: set[str]) -> list[str]:
    decisions = data.decisions
    lines = ["## 回答决策 Decisions", ""]
    if "decision_mix.png" in images:
        lines += ["![回答决策](decision_mix.png)", ""]
    lines += md_table(("决策 Decision", "数量", "占比"),
                      [(DECISION_LABELS[d], decisions[d], percent(ratio(decisions[d], data.questions)))
                       for d in DECISIONS])
    return lines + ["", f"需澄清的 {decisions[CLARIFY]} 个问题中，{data.resolved} 个经用户选择后得到解答"
                        f"（{percent(ratio(data.resolved, decisions[CLARIFY]))}）。"]


def satisfaction_lines(data: ReportData) -> list[str]:
    figures = ("回答 Answers", "已评价 Rated", "评价率 Response rate", "👍", "👎", "满意度 Approval")

    def rows(items: list[tuple[str, Satisfaction]], label: Callable[[str], str]) -> list[tuple]:
        return [(label(k), s.answers, s.rated, percent(s.response_rate), s.up, s.down, percent(s.approval))
                for k, s in items]

    total = data.satisfaction("").get("", Satisfaction())
    by_topic = by_answers(data.satisfaction("topic"))
    lines = ["## 满意度 Satisfaction", "",
             "只统计知识产权问题的回答（不含闲聊）。满意度 = 👍 / 已评价；评价率 = 已评价 / 回答数，"
             "满意度必须与评价率一起看。Approval is shown only beside its response rate.", ""]
    lines += md_table(("主题 Topic", *figures),
                      rows([("", total)], lambda _: "合计 Total") + rows(by_topic, topic_label))
    lines += ["", f"### 按条目 By entry（前 {TOP_ROWS} 个，全部见 satisfaction.csv）", ""]
    by_entry = by_answers(data.satisfaction("intent"))[:TOP_ROWS]
    return lines + md_table(("条目 Entry", *figures), rows(by_entry, str))


def referrals_lines(data: ReportData, images: set[str]) -> list[str]:
    total = sum(data.referrals.values())
    lines = ["## 转介 Referrals", "", f"转介共 {total} 次。", ""]
    if "referrals_per_county.png" in images:
        lines += ["![各县区转介数](referrals_per_county.png)", ""]
    lines += ["### 按县区 By county", ""]
    lines += md_table(("县区 County", "转介", "占比"), share_rows(data.referrals_by(2), county_label, total))
    lines += ["", "### 按站点类型 By station type", ""]
    lines += md_table(("站点类型 Station type", "转介", "占比"), share_rows(data.referrals_by(1), str, total))
    lines += ["", f"### 按站点 By station（前 {TOP_ROWS} 个，全部见 referrals.csv）", ""]
    return lines + md_table(("站点 Station", "转介", "占比"),
                            share_rows(data.referrals_by(0)[:TOP_ROWS], str, total))


def reminders_lines(data: ReportData) -> list[str]:
    lines = ["## 提醒 Reminders", ""]
    if data.reminders is None:
        return lines + ["暂无数据：提醒功能的 outbox 表尚未建立。Not available yet: there is no outbox table."]
    table = reminders_table(data.reminders)
    header = ("类型 Kind", "群发 Broadcasts", "计划份数 Scheduled", "已送达 Delivered", "失败 Failed",
              "被屏蔽 Blocked", "待发送 Pending", "重复发送 Repeated")
    rows = [(REMINDER_LABELS.get(row[0], row[0] or UNKNOWN), *row[1:]) for row in table.rows]
    return lines + ["按提醒份数（每个收件人一份）在本期间创建的时间统计。", ""] + md_table(header, rows)


def firms_lines(data: ReportData) -> list[str]:
    lines = ["## 活跃企业与新订阅 Active firms and new subscribers", "",
             "活跃企业 = 本期间有任何记录的不同（化名）用户数。New subscribers = 首次同意订阅的用户（仍在订阅的）。", ""]
    rows = [(PERIOD_LABELS[r.period], r.start.isoformat(), r.end.isoformat(), count_cell(r.active) or "—",
             r.new_subscribers) for r in data.firms]
    lines += md_table(("期间 Period", "起 From", "止 To", "活跃企业 Active firms", "新订阅 New subscribers"), rows)
    return lines


def gaps_lines(data: ReportData) -> list[str]:
    lines = ["## 知识缺口 Knowledge gaps", "",
             "未能回答和被 👎 最多的问题，相近问法已合并，供专员补充知识库；“工单”列出这些问题转人工后的工单。", ""]
    if data.rolled_before and data.period.start < data.rolled_before:
        lines += [f"{data.rolled_before} 之前的问题原文已按保留期删除，只统计之后的问题。", ""]
    rows = [(rank, g.count, g.fallback, g.thumbs_down, shortened(g.example),
             shortened("；".join(g.variants[1:4])) or "—", ticket_ids(g) or "—")
            for rank, g in enumerate(data.gaps, start=1)]
    return lines + md_table(("#", "次数", "未能回答", "👎", "示例 Example", "相近问法 Variants", "工单 Tickets"), rows)


def minutes_text(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes:.0f} 分钟"


def tickets_lines(data: ReportData) -> list[str]:
    figures = data.tickets
    lines = ["## 转人工工单 Tickets", "",
             "企业转人工后由人工服务专员答复的工单，按创建日期统计；时间为中位数（自然时间，含非工作时间）。", ""]
    rows = [
        ("工单 Tickets", figures.tickets),
        ("已认领 Claimed", figures.claimed),
        ("已答复 Answered", f"{figures.answered}（{percent(figures.answered_share)}）"),
        ("已关闭 Closed", f"{figures.closed}（{percent(figures.closed_share)}）"),
        ("超时升级 Escalated", figures.escalated),
        ("认领用时 Time to claim", minutes_text(figures.minutes_to_claim)),
        ("首次答复用时 Time to first response", minutes_text(figures.minutes_to_first_response)),
        ("关闭用时 Time to close", minutes_text(figures.minutes_to_close)),
    ]
    lines += md_table(("指标 Figure", "数值 Value"), rows)
    lines += ["", "### 按主题 By topic（机器人的猜测）", ""]
    lines += md_table(("主题 Topic", "工单", "占比"),
                      share_rows(list(figures.by_topic.items()), topic_label, figures.tickets))
    lines += ["", "### 按县区 By county", ""]
    return lines + md_table(("县区 County", "工单", "占比"),
                            share_rows(list(figures.by_county.items()), county_label, figures.tickets))


def future_note(data: ReportData) -> list[str]:
    """A line saying which days of the period had not come yet when the report was made."""
    if data.observed_end >= data.period.end:
        return []
    first = max(data.observed_end + timedelta(days=1), data.period.start)
    return [f"- 尚未到来 Not yet：生成时 {first} 至 {data.period.end} 尚未到来，不计入每日和每周数字"]


def markdown(data: ReportData, images: set[str], chart_note: str | None) -> str:
    scope = "含内部流量（专员、cli、test 渠道）" if data.include_internal else "不含内部流量（专员、cli、test 渠道）"
    lines = [
        "# 知创助手服务统计 · Service report", "",
        f"- 期间 Period：{data.period.start} 至 {data.period.end}（Asia/Shanghai，含首尾两日；每周从周一开始）",
        *future_note(data),
        f"- 范围 Scope：{scope}",
        f"- 数据保留 Retention：{retention_note(data)}",
        f"- 生成时间 Generated：{data.generated.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（Asia/Shanghai）", "",
    ]
    if data.empty:
        lines += ["> 本期间没有任何提问或转介记录。No questions or referrals were recorded in this period.", ""]
    if chart_note:
        lines += [f"> 图表未生成 Charts not drawn：{chart_note}", ""]
    lines += ["## 概览 Summary", ""] + summary_lines(data) + [""]
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
