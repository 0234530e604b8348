"""`python run_bot.py wecom`: serve the WeCom callback (credentials from the environment)."""
from __future__ import annotations

import argparse
import logging

from bot.common.config import Settings


def cmd_wecom(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the WeCom (企业微信) callback URL over HTTP (uvicorn); --fake: a terminal demo of 微信客服."""
    if args.fake:
        from handlers.wecom.kf_demo import run_demo

        return run_demo(settings)
    from bot.storage.store import require_salt
    from handlers.wecom.config import WeComCredentials

    credentials = WeComCredentials.from_env()
    require_salt()
    options = settings.wecom

    import uvicorn

    from bot.app import build_services
    from bot.common.clock import SystemClock
    from cli.database import open_database
    from handlers.wecom.server import build_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the access token
    services = build_services(settings, SystemClock(), open_database(settings))
    app, _ = build_app(services, credentials, options)
    print(f"WeCom callback on http://{options.host}:{options.port}{options.path}", flush=True)
    uvicorn.run(app, host=options.host, port=options.port, log_level="info")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    wecom = commands.add_parser("wecom", help=cmd_wecom.__doc__)
    wecom.add_argument("--fake", action="store_true",
                       help="a local demo against the fake WeCom API: type as a firm in 微信客服 (no credentials)")
    wecom.set_defaults(run=cmd_wecom)
