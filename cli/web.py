"""`web`: serve the bureau's and specialists' console (Starlette over uvicorn); `web user add|passwd|disable`
manage its accounts (passwords from a prompt or stdin, never the command line)."""
from __future__ import annotations

import argparse
import getpass
import sys

from bot.common.config import Settings


def read_password(prompt: str = "password: ") -> str:
    """A password typed at a hidden prompt (twice), or the first line of stdin when piped."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def operator() -> str:
    """Who runs the command, for the audit (the system user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def unconfigured_specialist(identity: str | None, settings: Settings) -> None:
    """Refuse a chat identity that is not a configured specialist: the desk would offer them nothing."""
    from bot.common.settings_handoff import Staff
    from web.accounts import AccountError

    staff = Staff.parse(identity) if identity else None
    if staff and not settings.specialists.is_specialist(staff.channel, staff.user_id):
        raise AccountError(f"{identity} is not a configured specialist (specialists.{staff.channel} in the config, "
                           f"or {staff.channel.upper()}_SPECIALISTS)")


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    """Add an account, set its password or disable it; each change is audited."""
    from bot.common.clock import SystemClock
    from cli.database import open_database
    from web.accounts import AccountError, Accounts

    accounts = Accounts(open_database(settings))
    now, actor = SystemClock().now(), operator()
    try:
        if args.user_command == "disable":
            accounts.disable(args.name, actor=actor, now=now)
            print(f"web user: {args.name} disabled (open sessions end at their next request)")
            return 0
        if args.user_command == "add":
            unconfigured_specialist(args.identity, settings)
        password = read_password()
        if args.user_command == "add":
            account = accounts.add(args.name, args.role, args.identity, password, actor=actor, now=now)
            print(f"web user: {account.name} added, role {account.role}"
                  + (f", chat identity {account.identity}" if account.identity else ""))
        else:
            accounts.passwd(args.name, password, actor=actor, now=now)
            print(f"web user: new password for {args.name} (open sessions ended)")
    except (AccountError, ValueError, EOFError) as exc:
        print(f"web user: {exc or 'no password given'}", file=sys.stderr)
        return 2
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the console on 127.0.0.1 (behind the HTTPS reverse proxy: docs/web-console.md)."""
    import uvicorn

    from bot.app import create_engine
    from bot.common.clock import SystemClock
    from bot.common.env import Env
    from cli.database import open_database
    from web.app import create_app
    from web.security import SecretError, SessionCodec, session_secret

    try:
        secret = session_secret(Env.of(None), args.dev)
    except SecretError as exc:
        print(f"web: {exc}", file=sys.stderr)
        return 2
    clock = SystemClock()
    app = create_app(settings, clock, lambda: create_engine(settings, clock, open_database(settings)),
                     SessionCodec(secret), config=settings.web, secure_cookies=not args.dev)
    host, port = args.host or settings.web.host, args.port or settings.web.port
    print(f"web: console on http://{host}:{port}/" + (" (dev: cookies without Secure, throw-away secret)"
                                                       if args.dev else ""), file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1", log_level="info")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add `web` and `web user …`."""
    web = commands.add_parser("web", help=cmd_web.__doc__)
    web.add_argument("--host", help="address to bind (default: web.host, 127.0.0.1)")
    web.add_argument("--port", type=int, help="port (default: web.port, 8090)")
    web.add_argument("--dev", action="store_true",
                     help="run without WEB_SECRET (a throw-away one) and with cookies usable over plain http")
    web.set_defaults(run=cmd_web)
    users = web.add_subparsers(dest="web_command", metavar="user")
    user = users.add_parser("user", help="console accounts")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="add an account (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("bureau", "specialist"))
    add.add_argument("--as", dest="identity", metavar="CHANNEL:ID",
                     help="the specialist's chat identity: telegram:<id> or wecom:<userid>")
    passwd = actions.add_parser("passwd", help="set a new password (from a prompt or stdin)")
    passwd.add_argument("name")
    disable = actions.add_parser("disable", help="disable an account")
    disable.add_argument("name")
    for action in (add, passwd, disable):
        action.set_defaults(run=cmd_user)
