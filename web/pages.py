"""Logging in and out, and the start page of each role."""
from __future__ import annotations

from starlette.responses import Response

from bot.storage.audit import record_audit
from web.accounts import AUDIT_CHANNEL, BUREAU
from web.app import Context, guarded, redirect, render, route
from web.security import Session

WHY = {
    "login": "请登录。",
    "expired": "会话已过期，请重新登录。",
    "ended": "账户已停用或密码已更改，请重新登录。",
    "logout": "已退出登录。",
}


@guarded()
async def home(ctx: Context) -> Response:
    return redirect(ctx, "/dashboard" if ctx.me.role == BUREAU else "/tickets")


@guarded()
async def account_page(ctx: Context) -> Response:
    return render(ctx, "account.html")


@guarded(login=False)
async def login_page(ctx: Context) -> Response:
    if ctx.account is not None:
        return redirect(ctx, "/")
    return render(ctx, "login.html", note=WHY.get(ctx.request.query_params.get("why", ""), ""))


@guarded(login=False)
async def login(ctx: Context) -> Response:
    """Check the name and password (rate-limited per name and per address); a new session on success."""
    console, now = ctx.console, ctx.console.clock.now()
    name = ctx.form.get("name", "").strip()[:64]
    address = ctx.request.client.host if ctx.request.client else "?"
    if console.limiter.blocked(name, address, now):
        return render(ctx, "login.html", status_code=429, note="登录失败次数过多，请稍后再试。")
    account = console.accounts.verify(name, ctx.form.get("password", ""))
    if account is None:
        console.limiter.failed(name, address, now)
        return render(ctx, "login.html", status_code=401, note="用户名或密码不正确，或账户已停用。", name=name)
    console.limiter.succeeded(name)
    ctx.session = ctx.session.logged_in(account.name, account.epoch, now, console.lifetime)
    record_audit(console.db, time=now, channel=AUDIT_CHANNEL, actor=account.name, action="web_login")
    return redirect(ctx, "/")


@guarded()
async def logout(ctx: Context) -> Response:
    console, now = ctx.console, ctx.console.clock.now()
    console.accounts.end_sessions(ctx.me.name, now)  # a copied cookie stops working too
    record_audit(console.db, time=now, channel=AUDIT_CHANNEL, actor=ctx.me.name, action="web_logout")
    ctx.session = Session.anonymous(now, console.lifetime)
    return redirect(ctx, "/login?why=logout")


ROUTES = [
    route("/", home),
    route("/account", account_page),
    route("/login", login_page),
    route("/login", login, ("POST",)),
    route("/logout", logout, ("POST",)),
]
