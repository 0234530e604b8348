"""Reading a period and a day from a page's parameters (Asia/Shanghai days), with a note when a typed
value could not be used."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.metrics.queries import Period, month_start
from web.app import Context

MAX_PERIOD_DAYS = 3 * 366  # a longer period is cut to its last three years
DAY_RANGE_YEARS = 10  # a chosen day lies within this many years of today


@dataclass(frozen=True)
class Chosen:
    period: Period
    include_internal: bool
    note: str = ""

    def query(self) -> str:
        """The period as the query string of a link (downloads, charts)."""
        internal = "&internal=1" if self.include_internal else ""
        return f"from={self.period.start}&to={self.period.end}{internal}"


def parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def within_years(day: date, today: date) -> bool:
    return abs((day - today).days) <= DAY_RANGE_YEARS * 366


def chosen_day(ctx: Context) -> tuple[date, str]:
    """The page's `day` (default today) and a note when it was not a date, or too far from today."""
    typed, today = ctx.param("day"), ctx.console.today()
    day = parse_day(typed)
    if typed and day is None:
        return today, f"「{typed}」不是日期（YYYY-MM-DD），已按今天显示。"
    if day and not within_years(day, today):
        return today, f"{day} 距今超过 {DAY_RANGE_YEARS} 年，已按今天显示。"
    return day or today, ""


def chosen_period(ctx: Context, default_days: int | None = None) -> Chosen:
    """`from`/`to` (default: this month to today, or the last `default_days` days) and `internal`."""
    today = ctx.console.today()
    default_start = today - timedelta(days=default_days - 1) if default_days else month_start(today)
    typed_start, typed_end = ctx.param("from"), ctx.param("to")
    start, end = parse_day(typed_start), parse_day(typed_end)
    note = ""
    if (typed_start and start is None) or (typed_end and end is None):
        note = "日期格式应为 YYYY-MM-DD，无法识别的日期已按默认值处理。"
    start, end = start or default_start, end or today
    if not (within_years(start, today) and within_years(end, today)):
        note, start, end = f"日期须在今天前后 {DAY_RANGE_YEARS} 年之内，已按默认期间显示。", default_start, today
    if start > end:
        note, start, end = f"开始日期 {start} 晚于结束日期 {end}，已按默认期间显示。", default_start, today
    if (end - start).days >= MAX_PERIOD_DAYS:
        start = end - timedelta(days=MAX_PERIOD_DAYS - 1)
        note = f"期间最长三年，已从 {start} 起计。"
    return Chosen(Period(start, end), ctx.param("internal") == "1", note)
