"""Dates a question gives for the event the law cares about: 2019年申请的, 去年12月公告的, filed in 2019.

`question_dates(text, today)` returns a span per event (filing, publication, conduct, decision; None
for a date with no event named), read relative to `today` from the injectable clock.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

EVENTS = {  # event -> words that name it, zh and en
    "filing": ("申请", "提交", "递交", "申报", "filed", "filing", "applied", "application"),
    "publication": ("公告", "公布", "初审", "published", "publication", "announced", "gazetted"),
    "conduct": ("侵权", "侵犯", "仿冒", "假冒", "销售", "卖", "infring", "sold", "selling", "copied", "counterfeit"),
    "decision": ("决定", "裁定", "判决", "驳回", "decided", "decision", "ruling", "refused"),
}
_ZH_MONTHS = {n: i for i, n in enumerate("一二三四五六七八九十", start=1)} | {"十一": 11, "十二": 12}
_RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_EN_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
_ZH_DATE = re.compile(
    r"(?P<year>\d{4}|前年|去年|今年|明年)年?(?:(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])月"
    r"(?:(?P<day>\d{1,2})[日号])?)?"
    r"|(?P<rel_month>上个?月|这个月|本月)"
)
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?")
_EN_DATE = re.compile(
    r"\b(?:(?P<day>\d{1,2})\s+)?(?P<month>" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) + r")\.?"
    r"(?:\s+(?P<day2>\d{1,2}),?)?\s+(?P<year>\d{4})\b|\b(?P<year_only>(?:19|20)\d{2})\b"
    r"|\b(?P<rel>last|this|next)\s+(?P<rel_unit>year|month)\b",
    re.IGNORECASE,
)
_AFTER = re.compile(r"^\s*(?:年)?(?:以后|之后|以来|后|起|及以后)")
_BEFORE = re.compile(r"^\s*(?:年)?(?:以前|之前|前)")
_EN_AFTER = re.compile(r"\b(?:after|since|from|on or after)\s*$", re.IGNORECASE)
_EN_BEFORE = re.compile(r"\b(?:before|prior to|until)\s*$", re.IGNORECASE)
EVENT_WINDOW = 12  # characters after a date (twice as many before it) searched for the event's word


@dataclass(frozen=True)
class DateSpan:
    """The days a question's date may mean: a year, a month, a day, or open on one side."""

    start: date
    end: date

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> DateSpan:
        if month is None:
            return cls(date(year, 1, 1), date(year, 12, 31))
        if day is None:
            return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        return cls(date(year, month, day), date(year, month, day))

    def after(self) -> DateSpan:
        return DateSpan(self.start, date.max)

    def before(self) -> DateSpan:
        return DateSpan(date.min, self.start - timedelta(days=1))


def question_dates(text: str, today: date) -> dict[str | None, DateSpan]:
    """The first date the question gives for each event; key None for a date naming no event."""
    found: dict[str | None, DateSpan] = {}
    for start, end, span in _spans(text, today):
        found.setdefault(_event_near(text, start, end), span)
    return found


def _spans(text: str, today: date) -> list[tuple[int, int, DateSpan]]:
    spans: list[tuple[int, int, DateSpan]] = []
    taken: list[range] = []
    for pattern, build in ((_ISO, _iso_span), (_ZH_DATE, _zh_span), (_EN_DATE, _en_span)):
        for match in pattern.finditer(text):
            if any(match.start() in r for r in taken):
                continue
            span = _safely(build, match, today)
            if span is None:
                continue
            end = match.end()
            span, end = _bounded(text, match.start(), end, span)
            taken.append(range(match.start(), end))
            spans.append((match.start(), end, span))
    return sorted(spans, key=lambda s: s[0])


def _safely(build, match: re.Match[str], today: date) -> DateSpan | None:
    try:
        return build(match, today)
    except (ValueError, KeyError):  # 2019年13月, 2月30日: not a date
        return None


def _bounded(text: str, start: int, end: int, span: DateSpan) -> tuple[DateSpan, int]:
    """以后 / before …: open the span on one side."""
    tail, head = text[end:], text[:start]
    if match := _AFTER.match(tail):
        return span.after(), end + match.end()
    if match := _BEFORE.match(tail):
        return span.before(), end + match.end()
    if _EN_AFTER.search(head):
        return span.after(), end
    if _EN_BEFORE.search(head):
        return span.before(), end
    return span, end


def _iso_span(match: re.Match[str], today: date) -> DateSpan:
    day = match.group("day")
    return DateSpan.of(int(match.group("year")), int(match.group("month")), int(day) if day else None)


def _zh_span(match: re.Match[str], today: date) -> DateSpan | None:
    if rel := match.group("rel_month"):
        first = today.replace(day=1)
        month_start = (first - timedelta(days=1)).replace(day=1) if rel.startswith("上") else first
        return DateSpan.of(month_start.year, month_start.month)
    year_text = match.group("year")
    year = today.year + _RELATIVE_YEARS[year_text] if year_text in _RELATIVE_YEARS else int(year_text)
    if year_text.isdigit() and not match.group(0).startswith(year_text + "年") and not match.group("month"):
        return None  # a bare number such as 2019 is read by the English pattern, or not at all
    month_text = match.group("month")
    month = (int(month_text) if month_text.isdigit() else _ZH_MONTHS[month_text]) if month_text else None
    day = match.group("day")
    return DateSpan.of(year, month, int(day) if day else None)


def _en_span(match: re.Match[str], today: date) -> DateSpan | None:
    if rel := match.group("rel"):
        shift = {"last": -1, "this": 0, "next": 1}[rel.lower()]
        if match.group("rel_unit").lower() == "year":
            return DateSpan.of(today.year + shift)
        month_index = today.year * 12 + today.month - 1 + shift
        return DateSpan.of(month_index // 12, month_index % 12 + 1)
    if year_only := match.group("year_only"):
        return DateSpan.of(int(year_only))
    day = match.group("day") or match.group("day2")
    return DateSpan.of(int(match.group("year")), _EN_MONTHS[match.group("month").lower()], int(day) if day else None)


def _event_near(text: str, start: int, end: int) -> str | None:
    """The event named just after the date (2019年申请的) or just before it (filed in 2019)."""
    after = text[end:end + EVENT_WINDOW].lower()
    before = text[max(0, start - 2 * EVENT_WINDOW):start].lower()
    for window in (after, before):
        hits = [(window.find(word), event) for event, words in EVENTS.items() for word in words if word in window]
        if hits:
            nearest = min(hits, key=lambda h: h[0] if window is after else len(window) - h[0])
            return nearest[1]
    return None
