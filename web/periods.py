"""Reading a period and a day from a page's parameters (Asia/Shanghai days), with a note when a typed
value could not be used."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.metrics import Period, month_start
from web.app import Context


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


def chosen_day(ctx: Context) -> tuple[date, str]:
    """The page's `day` (default today) and a note when it was not a date."""
    typed = ctx.param("day")
    day = parse_day(typed)
    if typed and day is None:
        return ctx.console.today(), f"「{typed}」不是日期（YYYY-MM-DD），已按今天显示。"
    return day or ctx.console.today(), ""


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
    if start > end:
        note, start, end = f"开始日期 {start} 晚于结束日期 {end}，已按默认期间显示。", default_start, today
    return Chosen(Period(start, end), ctx.param("internal") == "1", note)
