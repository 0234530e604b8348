"""Every command a person can type is documented: the `run_bot.py` subcommands (from the argparse
parser) and the chat commands (the Telegram handlers' and the WeCom command tables), in README.md or
docs/*.md — as sqlite-utils' tests/test_docs.py does for its CLI."""
from __future__ import annotations

import re
from itertools import chain
from pathlib import Path

import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.specialist_commands import COMMANDS as SPECIALIST_COMMANDS
from handlers.telegram import build_application
from handlers.telegram.offline import OfflineRequest
from handlers.wecom.account import FIRM_COMMANDS
from run_bot import build_parser, subcommands

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "A" * 35


def documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def cli_commands() -> list[str]:
    """`run_bot.py kb check`, `run_bot.py report` …: every subcommand that runs something."""
    return sorted(parser.prog for parser in subcommands(build_parser()) if not list(subcommands(parser)))


def handler_commands(handler: BaseHandler) -> set[str]:
    """The commands a handler answers (a conversation's entry points, states and fallbacks included)."""
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        nested = chain(handler.entry_points, chain.from_iterable(handler.states.values()), handler.fallbacks)
        return set().union(*(handler_commands(h) for h in nested))
    return set()


def telegram_commands(settings, engine, clock) -> set[str]:
    application = build_application(settings, request=OfflineRequest(), clock=clock, engine=engine,
                                    token=TOKEN)
    return set().union(*(handler_commands(h) for h in chain.from_iterable(application.handlers.values())))


def test_the_parser_lists_the_subcommands() -> None:
    expected = {"run_bot.py console", "run_bot.py kb check", "run_bot.py reminders run-once"}
    assert expected <= set(cli_commands())


@pytest.mark.parametrize("command", cli_commands())
def test_every_subcommand_is_documented(command: str) -> None:
    assert command in documentation(), f"no README.md or docs/*.md page mentions `{command}`"


def test_every_chat_command_is_documented(settings, engine, clock) -> None:
    commands = telegram_commands(settings, engine, clock) | set(FIRM_COMMANDS) | set(SPECIALIST_COMMANDS)
    assert {"start", "station", "stats", "claim", "deadline"} <= commands
    text = documentation()
    missing = sorted(name for name in commands if not re.search(rf"(?<![\w/])/{name}(?!\w)", text))
    assert missing == [], f"chat commands no README.md or docs/*.md page mentions: {missing}"
