"""`python run_bot.py reminders list | run-once`: what is scheduled, and firing what is due by hand."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Mapping

from bot.common.config import Settings
from bot.common.env import PTB_TIMEDELTA, Env, set_default

if TYPE_CHECKING:
    import httpx
    from sqlite_utils import Database

    from bot.delivery.sender import Sender


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    """List scheduled and sending broadcasts with their ids (cancel one with /cancel_reminder <id>)."""
    from bot.common.clock import SystemClock
    from bot.reach.broadcasts import BroadcastDesk
    from cli.database import open_existing_database

    db = open_existing_database(settings, "reminders")
    print(BroadcastDesk(db, SystemClock()).scheduled_list(args.lang))
    return 0


def cmd_run_once(args: argparse.Namespace, settings: Settings) -> int:
    """Fire every reminder that is due, then deliver pending copies for the channels whose credentials
    are in the environment (TELEGRAM_BOT_TOKEN, WECOM_*), and exit."""
    from bot.app import load_knowledge
    from bot.common.clock import SystemClock
    from bot.reach.reminders import Scheduler, build_dispatcher
    from cli.database import open_existing_database

    config = settings.reminders
    db, clock = open_existing_database(settings, "reminders"), SystemClock()
    kb = load_knowledge(settings.knowledge_dir)
    fired = Scheduler(db, config, lambda: kb).fire_due(clock.now())
    print(f"fired {fired} reminder(s)")
    if args.fire_only:
        return 0

    async def deliver() -> int:
        senders, closers = await _senders(None, clock, settings, db=db)
        if not senders:
            print("no channel credentials in the environment: the copies wait for the running bots")
            return 0
        try:
            totals = await build_dispatcher(db, senders, clock, config, lambda: kb).run(until_idle=True)
        finally:
            for close in closers:
                await close()
        print(
            f"delivered via {', '.join(senders)}: sent {totals.sent}, failed {totals.failed}, "
            f"blocked {totals.blocked}, waiting {totals.waiting}, retried {totals.retried}, reports {totals.reports}, "
            f"resent after a stop {totals.recovered}"
        )
        return 0

    import asyncio  # here: every run_bot.py command imports this module to register it

    return asyncio.run(deliver())


async def _senders(
    environ: Mapping[str, str] | None, clock, settings: Settings, transport: httpx.AsyncBaseTransport | None = None,
    db: Database | None = None,
) -> tuple[dict[str, Sender], list]:
    """The senders whose credentials are set, and how to close them (`transport`: WeCom's, in tests); with
    the database, the WeCom app's credentials also send to 微信客服 firms."""
    senders: dict[str, Sender] = {}
    closers = []
    env = Env.of(environ)  # None: the process environment
    if env.telegram_token:
        from telegram import Bot

        from handlers.telegram.config import bot_token
        from handlers.telegram.sender import TelegramSender

        set_default(PTB_TIMEDELTA, "1")
        bot = Bot(bot_token(env))
        await bot.initialize()
        senders["telegram"] = TelegramSender(bot)
        closers.append(bot.shutdown)
    if env.has_wecom:
        from bot.delivery.kf_store import KfStore
        from handlers.wecom.config import WeComCredentials
        from handlers.wecom.kf import KfSender
        from handlers.wecom.kf_client import KfClient

        client = KfClient.for_app(WeComCredentials.from_env(env), settings.wecom, clock, transport)
        senders["wecom"] = client
        if db is not None:
            senders["wecom_kf"] = KfSender(client, KfStore(db).msgid_prefix)
        closers.append(client.aclose)
    return senders, closers


def register(commands: argparse._SubParsersAction) -> None:
    reminders = commands.add_parser("reminders", help="scheduled broadcasts and reminders")
    actions = reminders.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=cmd_list.__doc__)
    listing.add_argument("--lang", choices=("zh", "en"), default="zh")
    listing.set_defaults(run=cmd_list)
    once = actions.add_parser("run-once", help=cmd_run_once.__doc__)
    once.add_argument(
        "--fire-only",
        action="store_true",
        help="only write the due reminders' copies (safe while the bots run); deliver nothing",
    )
    once.set_defaults(run=cmd_run_once)
