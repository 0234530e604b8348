"""Which database a command reads: the path rules, the path printed, no new empty database by mistake."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import open_db
from bot.common.config import load_settings
from run_bot import main


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config in tmp_path/etc while the command runs in tmp_path/work."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    config = tmp_path / "etc" / "config.yaml"
    config.write_text("db_path: data/bot.db\n", encoding="utf-8")
    return config


def test_paths_in_a_config_file_are_read_from_its_folder(elsewhere: Path) -> None:
    settings = load_settings(elsewhere, environ={})
    assert settings.db_path == elsewhere.parent / "data" / "bot.db"
    assert settings.knowledge_dir == elsewhere.parent / "knowledge"


def test_bot_db_path_is_read_from_the_current_folder(elsewhere: Path) -> None:
    settings = load_settings(elsewhere, environ={"BOT_DB_PATH": "other/bot.db"})
    assert settings.db_path == Path.cwd() / "other" / "bot.db"
    assert settings.db_path.is_absolute()


@pytest.mark.parametrize("command", [["report", "--from", "2026-11-01", "--to", "2026-11-30"], ["retention"],
                                     ["reminders", "list"], ["reminders", "run-once", "--fire-only"]])
def test_reading_commands_never_create_a_new_database(elsewhere: Path, capsys, command: list[str]) -> None:
    database = elsewhere.parent / "data" / "bot.db"
    assert main(["--config", str(elsewhere), *command]) == 2
    assert capsys.readouterr().err == (
        f"{command[0]}: there is no database at {database} (the bot creates it when it first runs; "
        f"check --config and BOT_DB_PATH)\n")
    assert not database.exists() and not database.parent.exists()


def test_every_command_that_opens_the_database_names_it_on_stderr(settings, tmp_path: Path, capsys) -> None:
    assert main(["--config", str(tmp_path / "config.yaml"), "ask", "商标注册要多久", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["intent"] == "tm_duration"
    assert err == f"database: {settings.db_path}\n"
    assert main(["--config", str(tmp_path / "config.yaml"), "retention"]) == 0
    assert capsys.readouterr().err == f"database: {settings.db_path}\n"


def test_config_is_accepted_after_the_subcommand(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"db_path: {tmp_path / 'bot.db'}\n", encoding="utf-8")
    open_db(tmp_path / "bot.db")
    assert main(["retention", "--config", str(config)]) == 0
    assert main(["reminders", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().err.count(f"database: {tmp_path / 'bot.db'}\n") == 2
