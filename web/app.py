"""The web console's wiring and guard: settings → database, Engine and ticket desk (as every channel
wires them) → Starlette routes. Every page goes through `guarded`: a valid session (signed cookie, not
expired, account enabled and unchanged since login), the page's role, and on a POST the CSRF token."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

from sqlite_utils import Database
from starlette.applications import Starlette
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.answering.engine import Engine
from bot.app import KnowledgePoller
from bot.common.clock import Clock, local_date
from bot.common.config import Settings
from bot.common.settings_channels import WebSettings
from bot.handoff.desk import TicketDesk, attach_desk
from web.accounts import BUREAU, SPECIALIST, Account, Accounts
from web.security import LoginLimiter, Session, SessionCodec, csrf_ok

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "zc_session"
MAX_FORM_BYTES = 64 * 1024


@dataclass
class Console:
    """What the pages work with: the core's services over the bot's database, and the console's own parts."""

    settings: Settings
    clock: Clock
    engine: Engine
    codec: SessionCodec
    config: WebSettings = field(default_factory=WebSettings)
    secure_cookies: bool = True
    desk: TicketDesk = field(init=False)
    accounts: Accounts = field(init=False)
    limiter: LoginLimiter = field(init=False)
    sandbox: Engine | None = None  # the Engine "try a question" uses, over a throw-away database
    pending: dict[str, Any] = field(default_factory=dict)  # knowledge previews awaiting publication (web/versions.py)

    def __post_init__(self) -> None:
        self.desk = attach_desk(self.engine, self.settings, self.clock)
        self.accounts = Accounts(self.engine.db)
        self.limiter = LoginLimiter(self.config.login_attempts, timedelta(minutes=self.config.login_window_minutes))

    @property
    def db(self) -> Database:
        return self.engine.db

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=self.config.session_hours)

    def today(self) -> date:
        return local_date(self.clock.now())


@dataclass
class Context:
    """One request as a page sees it: the console, the session, the account and the submitted form."""

    request: Request
    console: Console
    session: Session
    account: Account | None
    form: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)  # an upload's files by field name

    @property
    def me(self) -> Account:
        """The logged-in account (a page behind the login; `guarded` saw to it)."""
        if self.account is None:
            raise RuntimeError("a page behind the login ran without an account")
        return self.account

    def param(self, name: str, default: str = "") -> str:
        return self.form.get(name) or self.request.query_params.get(name) or default


Page = Callable[[Context], Awaitable[Response]]
templates = Jinja2Templates(directory=str(HERE / "templates"))


def render(ctx: Context, template: str, status_code: int = 200, **values: Any) -> Response:
    """A page from its template, with the account, the CSRF token and the navigation."""
    values = {"account": ctx.account, "csrf": ctx.session.csrf, "BUREAU": BUREAU, "SPECIALIST": SPECIALIST, **values}
    return with_session(ctx, templates.TemplateResponse(ctx.request, template, values, status_code=status_code))


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def with_session(ctx: Context, response: Response) -> Response:
    """The response with the (refreshed) session cookie and the security headers."""
    console = ctx.console
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(COOKIE, console.codec.dumps(ctx.session), max_age=int(console.lifetime.total_seconds()),
                        httponly=True, secure=console.secure_cookies, samesite="lax", path="/")
    return response


def redirect(ctx: Context, url: str) -> Response:
    return with_session(ctx, RedirectResponse(url, status_code=303))


def refused(ctx: Context, status: int, message: str) -> Response:
    return render(ctx, "refused.html", status_code=status, message=message)


async def read_form(request: Request) -> dict[str, str] | None:
    """An url-encoded form (None when too large or not url-encoded); the last of repeated names wins,
    lists through `form_list`."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if body and kind != "application/x-www-form-urlencoded":
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    request.state.form_pairs = pairs
    return dict(pairs)


async def read_upload(request: Request, limit: int) -> tuple[dict[str, str], dict[str, bytes]] | None:
    """A multipart form's fields and files (None when larger than `limit`, of unknown length, or unreadable)."""
    try:
        declared = int(request.headers.get("content-length", ""))
    except ValueError:
        return None
    if declared > limit:
        return None
    try:
        form = await request.form(max_files=2, max_fields=20)
    except (MultiPartException, ValueError):
        return None
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields[name] = value
        else:
            files[name] = await value.read()
    await form.close()
    return fields, files


async def read_post(request: Request, upload: int) -> tuple[dict[str, str], dict[str, bytes]] | None:
    """The submitted form: url-encoded, or multipart when the page takes an upload of up to `upload` bytes."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if upload and kind == "multipart/form-data":
        return await read_upload(request, upload)
    form = await read_form(request)
    return None if form is None else (form, {})


def form_list(ctx: Context, name: str) -> list[str]:
    """Every value of a repeated form field (checkboxes), else of the query parameter."""
    pairs = getattr(ctx.request.state, "form_pairs", None)
    if pairs:
        return [v for k, v in pairs if k == name]
    return ctx.request.query_params.getlist(name)


def current_session(request: Request, console: Console) -> tuple[Session, Account | None, str]:
    """The request's session and account; an expired, forged, disabled or outdated one is replaced by an
    anonymous session, with the reason why (for the login page)."""
    now = console.clock.now()
    raw = request.cookies.get(COOKIE)
    session = console.codec.loads(raw, now)
    if session is None:
        return Session.anonymous(now, console.lifetime), None, "expired" if raw else ""
    if session.user is None:
        return session, None, ""
    account = console.accounts.get(session.user)
    if account is None or account.disabled or account.epoch != session.epoch:
        return Session.anonymous(now, console.lifetime), None, "ended"
    return session, account, ""


def guarded(*roles: str, login: bool = True, upload: int = 0) -> Callable[[Page], Callable[[Request], Awaitable[Response]]]:
    """A Starlette endpoint around a page: the session (unless `login` is False), one of `roles` (any
    role when none given), and the CSRF token of every POST (a multipart one too when the page takes an
    upload of up to `upload` bytes)."""

    def wrap(page: Page) -> Callable[[Request], Awaitable[Response]]:
        @wraps(page)
        async def endpoint(request: Request) -> Response:
            console: Console = request.app.state.console
            session, account, why = current_session(request, console)
            ctx = Context(request, console, session, account)
            if request.method == "POST":
                posted = await read_post(request, upload)
                if posted is None:
                    return refused(ctx, 400, "表单无法读取（过大或格式不对）。")
                form, files = posted
                if not csrf_ok(session, form.get("csrf")):
                    log.warning("web: refused %s %s: bad CSRF token", request.method, request.url.path)
                    return refused(ctx, 403, "表单已过期或来源不明（CSRF），请返回重新打开页面后再提交。")
                ctx.form, ctx.files = form, files
            if login and account is None:
                return redirect(ctx, f"/login?why={why or 'login'}")
            if roles and account is not None and account.role not in roles:
                return refused(ctx, 403, "您的角色不能打开此页面。")
            return await page(ctx)

        return endpoint

    return wrap


def create_app(settings: Settings, clock: Clock, make_engine: Callable[[], Engine], codec: SessionCodec, *,
               config: WebSettings | None = None, secure_cookies: bool = True) -> Starlette:
    """The console. `make_engine` builds the Engine over the bot's database at start-up, on the thread that
    serves the requests (an SQLite connection stays on the thread that opened it)."""
    from web import bureau, pages, specialist, trying, versions

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        console = Console(settings, clock, make_engine(), codec, config or WebSettings(), secure_cookies)
        app.state.console = console
        poller = KnowledgePoller(console.engine, settings)  # versions published elsewhere (kb import, another console)
        poller.start()
        yield
        await poller.stop()

    routes = [*pages.ROUTES, *bureau.ROUTES, *trying.ROUTES, *specialist.ROUTES, *versions.ROUTES,
              Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")]
    return Starlette(routes=routes, lifespan=lifespan)


def route(path: str, page: Callable, methods: tuple[str, ...] = ("GET",)) -> Route:
    return Route(path, page, methods=list(methods))
