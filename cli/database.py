"""How the command-line commands open the bot's database: they say which file on stderr (so `--json`
output stays clean), and the commands that only read never create an empty one by mistake."""
from __future__ import annotations

import sys

from sqlite_utils import Database

from bot.common.config import ConfigError, Settings


class MissingDatabase(ConfigError):
    """The settings name a database file that does not exist; the message is one line."""


def announce_database(settings: Settings) -> None:
    """Say on stderr which database file the command works on."""
    print(f"database: {settings.db_path}", file=sys.stderr, flush=True)


def open_database(settings: Settings) -> Database:
    """The bot's database (created when missing), named on stderr."""
    from bot.app import open_db

    announce_database(settings)
    return open_db(settings.db_path)


def open_existing_database(settings: Settings, command: str) -> Database:
    """The bot's database, named on stderr; MissingDatabase rather than a new empty file."""
    path = settings.db_path
    if str(path) != ":memory:" and not path.is_file():
        raise MissingDatabase(f"{command}: there is no database at {path} (the bot creates it when it first "
                              "runs; check --config and BOT_DB_PATH)")
    return open_database(settings)
