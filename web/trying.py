"""试问 (try a question) and 知识缺口 (gaps). A tried question goes through a second Engine over the same
knowledge and a throw-away in-memory database: the reply is exactly the Engine's, on the chosen channel
and day, and nothing reaches the bot's database (no event, no ticket). Gaps are the report's."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from bot.answering.engine import Engine
from bot.answering.ports import Message, Reading, Reply
from bot.app import open_db
from bot.common.clock import SHANGHAI
from bot.metrics.queries import knowledge_gaps
from bot.metrics.report import DECISION_LABELS, said, topic_label
from bot.metrics.tickets import link_gaps
from web.app import Console, Context, guarded, render, route
from web.periods import chosen_day, chosen_period

CHANNELS = (("wecom", "企业微信"), ("telegram", "Telegram"), ("console", "控制台"))
GAP_DAYS = 30  # like the specialists' /gaps


def sandbox(console: Console) -> Engine:
    """The console's try-a-question Engine (made once; follows the main Engine's knowledge)."""
    if console.sandbox is None:
        console.sandbox = Engine(console.engine.kb, console.settings, open_db(":memory:"), console.clock)
    elif console.sandbox.kb is not console.engine.kb:
        console.sandbox.load(console.engine.kb)
    return console.sandbox


def matched_words(engine: Engine, reading: Reading) -> list[tuple[str, float, str, list[str], list[str]]]:
    """Each candidate: id, score, title, the question's words it uses and those it does not."""
    rows = []
    for candidate in reading.candidates:
        used = [w for w in reading.matched_words if engine.matcher.mentions(candidate.entry, [w])]
        unused = [w for w in reading.matched_words if w not in used]
        rows.append((candidate.entry.id, candidate.score, candidate.entry.title, used, unused))
    return rows


def moment_on(day, now: datetime) -> datetime:
    """The current time of day, on `day` (Asia/Shanghai)."""
    local = now.astimezone(SHANGHAI)
    return datetime.combine(day, local.time(), tzinfo=SHANGHAI)


@guarded()
async def try_page(ctx: Context) -> Response:
    day, note = chosen_day(ctx)
    channel = ctx.param("channel", "wecom")
    if channel not in dict(CHANNELS):
        channel = "wecom"
    question = ctx.param("question").strip()
    values: dict[str, Any] = {"channels": CHANNELS, "channel": channel, "day": day, "note": note, "question": question}
    if ctx.request.method != "POST" or not question:
        return render(ctx, "try.html", **values)
    engine = sandbox(ctx.console)
    message = Message(channel, f"web:{ctx.me.name}", question, now=moment_on(day, ctx.console.clock.now()),
                      internal=True)
    if ctx.param("fresh") == "1":
        engine.forget(message.channel, message.user_id)
    reading = engine.reading(message)  # before the reply: the reply moves the conversation on
    reply: Reply = engine.handle(message)
    return render(ctx, "try.html", **values, reply=reply, reading=reading, candidates=matched_words(engine, reading),
                  decision_label=said(DECISION_LABELS[reply.decision]) if reply.decision in DECISION_LABELS else reply.decision, topic_label=topic_label)


@guarded()
async def gaps_page(ctx: Context) -> Response:
    console = ctx.console
    chosen = chosen_period(ctx, GAP_DAYS)
    metrics = console.settings.metrics
    found = knowledge_gaps(console.db, chosen.period.start, chosen.period.end, metrics.gap_limit,
                           metrics.gap_similarity, chosen.include_internal)
    return render(ctx, "gaps.html", chosen=chosen, gaps=link_gaps(console.db, found, chosen.period, chosen.include_internal))


ROUTES = [
    route("/try", try_page, ("GET", "POST")),
    route("/gaps", gaps_page),
]
