"""The specialists' pages, through the core's desks as their chat commands are: the ticket queue of the
counties (and station types) their duty entries cover, claim, answer and close (the firm is told on its
own channel by the desk's notices), and broadcasts (audience, live recipient count, time, confirm,
delivery report, cancel). A ticket shows its number, county, question and the bot's guesses: never the
firm's chat identity."""
from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

from bot.common.clock import SHANGHAI
from bot.common.schedule import BadTime, When, parse_when
from bot.common.settings_handoff import Staff
from bot.common.vocab import CITY, COUNTIES, INDUSTRIES, IP_TOPICS
from bot.delivery.outbox import BROADCAST, Audience, Broadcast, Creator
from bot.handoff.desk import STAFF_LANGUAGE, county_text
from bot.handoff.tickets import CLOSED, FIRM, Ticket
from bot.i18n.texts import text, title
from bot.reach.broadcasts import BroadcastDesk, Draft, describe_audience, describe_when
from bot.storage.audit import record_audit
from web.accounts import SPECIALIST
from web.app import Context, form_list, guarded, redirect, refused, render, route, with_session

RECENT_BROADCASTS = 20
TICKET_ACTIONS = ("claim", "answer", "close")


def staff_of(ctx: Context) -> Staff:
    """The specialist's chat identity (web user add requires one for a specialist)."""
    staff = ctx.me.staff
    if staff is None:
        raise RuntimeError(f"the specialist account {ctx.me.name!r} has no chat identity")
    return staff


def covers(ctx: Context, ticket: Ticket) -> bool:
    """The specialist's queue: tickets they claimed, those routed to them by county or station type, and
    escalated ones when they are in the city pool."""
    staff, config = staff_of(ctx), ctx.console.desk.config
    return (ticket.claimed_by == staff.key or staff in config.on_duty(ticket.county, ticket.station_types)
            or (ticket.escalated_at is not None and staff in config.city_pool))


def local_time(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "—"


def ticket_view(ticket: Ticket) -> dict:
    """What a specialist sees of a ticket (no user, address or channel of the firm)."""
    return {"id": ticket.id, "county": county_text(ticket.county, STAFF_LANGUAGE), "question": ticket.question or "",
            "status": text(f"ticket_status_{ticket.status}", STAFF_LANGUAGE), "created": local_time(ticket.created),
            "closed": ticket.status == CLOSED, "claimed_by": ticket.claimed_by, "guesses": ticket.guesses}


@guarded(SPECIALIST)
async def queue(ctx: Context) -> Response:
    tickets = [t for t in ctx.console.desk.tickets.of_staff(staff_of(ctx).key) if covers(ctx, t)]
    return render(ctx, "tickets.html", tickets=[ticket_view(t) for t in tickets], me=staff_of(ctx).key)


def covered_ticket(ctx: Context) -> Ticket | None:
    try:
        ticket = ctx.console.desk.tickets.get(int(ctx.request.path_params["ticket_id"]))
    except ValueError:
        return None
    return ticket if ticket is not None and covers(ctx, ticket) else None


def ticket_page(ctx: Context, ticket: Ticket, done: str = "", ok: bool = False) -> Response:
    thread = [("企业" if m.author == FIRM else "专员", local_time(m.time), m.text)
              for m in ctx.console.desk.tickets.thread(ticket.id)]
    return render(ctx, "ticket.html", ticket=ticket_view(ticket), thread=thread, done=done, ok=ok, me=staff_of(ctx).key)


@guarded(SPECIALIST)
async def ticket_detail(ctx: Context) -> Response:
    ticket = covered_ticket(ctx)
    if ticket is None:
        return refused(ctx, 404, "没有这个工单，或它不在您负责的县区。")
    return ticket_page(ctx, ticket)


@guarded(SPECIALIST)
async def ticket_action(ctx: Context) -> Response:
    """claim, answer or close, as the desk does them for /claim, /reply and /close."""
    ticket = covered_ticket(ctx)
    if ticket is None:
        return refused(ctx, 404, "没有这个工单，或它不在您负责的县区。")
    desk, staff, action = ctx.console.desk, staff_of(ctx), ctx.request.path_params["action"]
    if action not in TICKET_ACTIONS:
        return refused(ctx, 404, "没有这个操作。")
    if action == "claim":
        done = desk.claim(staff, ticket.id)
        said = f"已认领工单 #{ticket.id}，请在下方答复。" if done.ok else done.text
    elif action == "answer":
        done = desk.answer(staff, ticket.id, ctx.form.get("body", ""))
        said = done.text
    else:  # close
        done = desk.close_by_staff(staff, ticket.id)
        said = done.text
    return ticket_page(ctx, desk.tickets.get(ticket.id) or ticket, said, done.ok)


# ---- broadcasts -------------------------------------------------------------------------------------


def choices() -> dict:
    return {"topic_choices": [(t, title("topic", t, "zh")) for t in IP_TOPICS],
            "county_choices": [(c, county_text(c, "zh")) for c in (*COUNTIES, CITY)],
            "industry_choices": [(i, title("industry", i, "zh")) for i in INDUSTRIES]}


def draft_from(ctx: Context) -> Draft:
    """The broadcast as the form describes it (unknown topics, counties and industries are dropped)."""
    audience = Audience(
        notices=ctx.param("notices") == "1",
        topics=tuple(t for t in form_list(ctx, "topics") if t in IP_TOPICS),
        counties=tuple(c for c in form_list(ctx, "counties") if c in (*COUNTIES, CITY)),
        industries=tuple(i for i in form_list(ctx, "industries") if i in INDUSTRIES),
    )
    return Draft(0, ctx.param("text"), audience)


def when_from(ctx: Context) -> tuple[When | None, str]:
    """The typed time (empty: now), or None and the reason it cannot be used."""
    typed = ctx.param("when").strip()
    if not typed:
        return When(None), ""
    try:
        return parse_when(typed, ctx.console.clock.now()), ""
    except BadTime as bad:
        return None, text(bad.key, "zh", **bad.values)


def broadcast_desk(ctx: Context) -> BroadcastDesk:
    return BroadcastDesk(ctx.console.db, ctx.console.clock)


def creator(ctx: Context) -> Creator:
    """The specialist as the broadcast's creator: their delivery report also goes to their chat."""
    staff = staff_of(ctx)
    return Creator(staff.channel, staff.user_id, staff.user_id, STAFF_LANGUAGE)


@guarded(SPECIALIST)
async def broadcasts(ctx: Context) -> Response:
    desk = broadcast_desk(ctx)
    rows = ctx.console.db.execute("select id from broadcasts where kind = ? order by id desc limit ?",
                                  [BROADCAST, RECENT_BROADCASTS]).fetchall()
    found = [desk.outbox.get(r[0]) for r in rows]
    listed = [(b, desk.outbox.delivery(b.id)) for b in found if b is not None]
    return render(ctx, "broadcasts.html", listed=listed, local_time=local_time,
                  status=lambda s: text(f"status_{s}", "zh"))


def compose_page(ctx: Context, draft: Draft, problem: str = "", preview: str = "") -> Response:
    """The form filled in as `draft`, its audience's recipient count now, and a problem or the preview."""
    desk = broadcast_desk(ctx)
    return render(ctx, "compose.html", draft=draft, typed_when=ctx.param("when"), count=desk.recipients(draft.audience),
                  audience=describe_audience(draft.audience, "zh"), problem=problem, preview=preview, **choices())


@guarded(SPECIALIST)
async def compose(ctx: Context) -> Response:
    """The form; with `preview`, what recipients read, how many they are now, when it goes out."""
    draft, (when, problem) = draft_from(ctx), when_from(ctx)
    if not ctx.param("preview"):
        return compose_page(ctx, draft, problem)
    problem = problem or broadcast_desk(ctx).text_problem(draft.text, "zh") or ""
    if problem:
        return compose_page(ctx, draft, problem)
    return compose_page(ctx, draft, preview=broadcast_desk(ctx).preview(Draft(0, draft.text, draft.audience, when), "zh"))


@guarded(SPECIALIST)
async def count(ctx: Context) -> Response:
    """The recipient count of the audience in the query, as the form shows it (the page's script asks
    for it whenever a box is ticked)."""
    audience = draft_from(ctx).audience
    said = f"收件人：{broadcast_desk(ctx).recipients(audience)} 家企业（{describe_audience(audience, 'zh')}；按当前订阅计算）"
    return with_session(ctx, PlainTextResponse(said))


@guarded(SPECIALIST)
async def confirm(ctx: Context) -> Response:
    """Schedule the broadcast (audited by the broadcast desk) and show its report."""
    draft, (when, problem) = draft_from(ctx), when_from(ctx)
    desk = broadcast_desk(ctx)
    problem = problem or desk.text_problem(draft.text, "zh") or ""
    if problem:
        return compose_page(ctx, draft, problem)
    broadcast_id = desk.confirm(Draft(0, draft.text, draft.audience, when), creator(ctx))
    return redirect(ctx, f"/broadcasts/{broadcast_id}")


def own_broadcast(ctx: Context) -> Broadcast | None:
    try:
        broadcast = broadcast_desk(ctx).outbox.get(int(ctx.request.path_params["broadcast_id"]))
    except ValueError:
        return None
    return broadcast if broadcast is not None and broadcast.kind == BROADCAST else None


def broadcast_page(ctx: Context, broadcast_id: int, done: str = "") -> Response:
    """The broadcast's audience, time, status and delivery report."""
    outbox = broadcast_desk(ctx).outbox
    broadcast = outbox.get(broadcast_id)
    if broadcast is None:
        return refused(ctx, 404, "没有这条群发。")
    return render(ctx, "broadcast.html", broadcast=broadcast, delivery=outbox.delivery(broadcast_id),
                  audience=describe_audience(broadcast.audience, "zh"),
                  when=describe_when(When(broadcast.scheduled_for, broadcast.recurrence), "zh"),
                  status=text(f"status_{broadcast.status}", "zh"), done=done)


@guarded(SPECIALIST)
async def report(ctx: Context) -> Response:
    broadcast = own_broadcast(ctx)
    if broadcast is None:
        return refused(ctx, 404, "没有这条群发。")
    return broadcast_page(ctx, broadcast.id)


@guarded(SPECIALIST)
async def cancel(ctx: Context) -> Response:
    """Cancel as /cancel_reminder does (audited with the specialist's chat identity)."""
    broadcast = own_broadcast(ctx)
    if broadcast is None:
        return refused(ctx, 404, "没有这条群发。")
    said, detail = broadcast_desk(ctx).cancel(str(broadcast.id), "zh")
    staff = staff_of(ctx)
    record_audit(ctx.console.db, time=ctx.console.clock.now(), channel=staff.channel, actor=staff.user_id,
                 action="cancel_reminder", detail={**detail, "via": "web"})
    return broadcast_page(ctx, broadcast.id, said)


ROUTES = [
    route("/tickets", queue),
    route("/tickets/{ticket_id}", ticket_detail),
    route("/tickets/{ticket_id}/{action:str}", ticket_action, ("POST",)),
    route("/broadcasts", broadcasts),
    route("/broadcasts/new", compose, ("GET", "POST")),
    route("/broadcasts/count", count),
    route("/broadcasts/confirm", confirm, ("POST",)),
    route("/broadcasts/{broadcast_id}", report),
    route("/broadcasts/{broadcast_id}/cancel", cancel, ("POST",)),
]
