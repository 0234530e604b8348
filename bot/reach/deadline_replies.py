"""What /deadline and /mydeadlines say, on every channel where firms are (Telegram renders the listing's
removals as buttons, WeCom and 微信客服 as choices)."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from bot.common.clock import local_date
from bot.i18n.texts import list_separator, text
from bot.knowledge.facts import FactBook
from bot.reach.deadlines import KIND_TEXTS, Deadline, DeadlineError, Deadlines


def kind_title(kind: str, lang: str) -> str:
    return text(KIND_TEXTS[kind], lang)


def added_reply(deadlines: Deadlines, user: str, args: Sequence[str], facts: FactBook, now: datetime,
                lang: str) -> str:
    """/deadline <kind> <YYYY-MM-DD> [note]: the reminders it will get, or why it was refused (with the
    usage when the kind or date could not be read)."""
    if len(args) < 2:
        return text("dl_usage", lang)
    try:
        deadline, upcoming = deadlines.add(user, args[0], args[1], " ".join(args[2:]), facts, now)
    except DeadlineError as exc:
        hint = "\n\n" + text("dl_usage", lang) if exc.key in ("deadline_kind", "date_format") else ""
        return text(exc.key, lang, **exc.values) + hint
    label = text("dl_label", lang, label=deadline.label) if deadline.label else ""
    values = {"kind": kind_title(deadline.kind, lang), "due": deadline.due.isoformat(), "label": label}
    if upcoming:
        days = list_separator(lang).join(day.isoformat() for day in upcoming)
        return text("dl_added", lang, days=days, time=f"{deadlines.hour:02d}:00", **values)
    last = deadlines.plan_for(deadline.kind, deadline.due, facts, local_date(now)).last_day
    return text("dl_added_none", lang, last=last.isoformat(), **values)


def listing(deadlines: Deadlines, user: str, lang: str) -> tuple[str, list[Deadline]]:
    """/mydeadlines: the firm's deadlines, one line each (the title says how to remove one), and the
    deadlines themselves (none: the text says how to add one)."""
    mine = deadlines.of(user)
    if not mine:
        return text("dl_list_none", lang), []
    lines = [text("dl_list_title", lang)]
    for deadline in mine:
        label = text("dl_label", lang, label=deadline.label) if deadline.label else ""
        upcoming = local_date(deadline.next_at).isoformat() if deadline.next_at else text("dl_no_next", lang)
        lines.append(text("dl_line", lang, id=str(deadline.id), kind=kind_title(deadline.kind, lang),
                          due=deadline.due.isoformat(), label=label, next=upcoming))
    return "\n".join(lines), mine
