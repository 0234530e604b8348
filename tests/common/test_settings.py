"""One typed settings tree: every section of config.yaml is checked at load, so a bad section stops
every command at start with one line naming the key; the environment is read in bot/common/env.py only."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.common.config import DEFAULT_CONFIG, Settings, load_settings
from bot.common.env import Env
from bot.common.settings_handoff import Staff
from bot.common.settings_reach import RateLimit
from run_bot import main

ROOT = Path(__file__).resolve().parents[2]

# A bad value in each section (and at the top level), and the one line that names it.
BAD_SECTIONS = [
    ("matching:\n  answer_threshold: high\n", "config: matching.answer_threshold must be a number, not 'high'"),
    ("context:\n  ttl_minutes: -1\n", "config: context.ttl_minutes must be a number ≥ 0"),
    ("stations:\n  max_results: 0\n", "config: stations.max_results must be a whole number from 1 to 10"),
    ("metrics:\n  retention_days: 10\n", "config: metrics.retention_days must be at least 35"),
    ("knowledge:\n  poll_seconds: 0\n", "config: knowledge.poll_seconds must be a positive number of seconds"),
    ("specialists:\n  telegram: 9001\n", "config: specialists.telegram must be a list of user ids"),
    ("handoff:\n  duty: {city: [telegram:9]}\n",
     "config: handoff.duty.city: telegram:9 is not a configured specialist (specialists.telegram)"),
    ("reminders:\n  send_hour: 25\n", "config: reminders.send_hour must be an hour from 0 to 23"),
    ("reminders: daily\n", "config: 'reminders' must be a mapping"),
    ("telegram:\n  flood: {messages: 0}\n", "config: telegram.flood.messages must be a positive number"),
    ("wecom:\n  path: callback\n", "config: wecom.path must start with /"),
    ("timezone: Mars/Olympus\n", "config: timezone 'Mars/Olympus' is not a known time zone (e.g. Asia/Shanghai)"),
    ("reminder:\n  send_hour: 8\n", "config: unknown settings ['reminder'] (known: db_path, knowledge_dir, timezone,"
     " matching, context, stations, metrics, knowledge, specialists, handoff, reminders, telegram, wecom, web)"),
]


@pytest.mark.parametrize(("block", "message"), BAD_SECTIONS)
def test_a_bad_section_stops_every_command_at_start(tmp_path: Path, kb_dir: Path, block: str, message: str,
                                                     capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"db_path: {tmp_path / 'bot.db'}\nknowledge_dir: {kb_dir}\n{block}", encoding="utf-8")
    for command in (["ask", "商标注册要多久"], ["kb", "check"], ["reminders", "list"]):
        assert main(["--config", str(config), *command]) == 2
        assert capsys.readouterr().err == message + "\n"
    assert not (tmp_path / "bot.db").exists()  # stopped before anything was opened


def test_the_shipped_config_parses_into_every_section() -> None:
    settings = load_settings(DEFAULT_CONFIG, environ={})
    assert settings.matching.answer_threshold == 50 and settings.context_ttl_minutes == 10
    assert (settings.stations.max_results, settings.metrics.retention_days) == (3, 365)
    assert settings.reminders.limits["wecom"] == RateLimit(10, 2)
    assert (settings.handoff.claim_timeout_minutes, settings.handoff.city_pool) == (30, ())
    assert (settings.telegram.flood.messages, settings.telegram.webhook) == (20, None)
    assert (settings.wecom.port, settings.wecom.path) == (8080, "/wecom/callback")
    assert settings.knowledge.poll_seconds == 30


def test_the_environment_adds_specialists_before_duty_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("handoff:\n  duty: {city: [telegram:9]}\n", encoding="utf-8")
    settings = load_settings(config, environ={"TELEGRAM_SPECIALISTS": "9, 10"})
    assert settings.specialists.of("telegram") == {"9", "10"}
    assert settings.handoff.city_pool == (Staff("telegram", "9"),)


def test_bot_config_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.yaml"
    config.write_text("stations:\n  max_results: 5\n", encoding="utf-8")
    assert load_settings(environ={"BOT_CONFIG": str(config)}).stations.max_results == 5
    assert load_settings(config, environ={"BOT_CONFIG": "/nowhere.yaml"}).stations.max_results == 5


def test_values_are_converted_to_their_declared_field_type(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("matching:\n  answer_threshold: 50.5\n  max_choices: '4'\n", encoding="utf-8")
    matching = load_settings(config, environ={}).matching
    assert (matching.answer_threshold, matching.max_choices) == (50.5, 4)  # not cut to 50 as an int default


def test_settings_built_in_code_have_every_section_at_its_default() -> None:
    settings = Settings(db_path=Path(":memory:"), knowledge_dir=Path("knowledge"))
    assert settings.reminders.send_hour == 9 and not settings.specialists.of("telegram")


def test_env_reads_typed_values() -> None:
    env = Env({"BOT_SALT": " s1,s0 ", "WECOM_TOKEN": " ", "WECOM_SPECIALISTS": "li, wang", "PATH": "/bin",
               "TELEGRAM_SPECIALISTS": " , "})
    assert (env.salt, env.telegram_token, env.db_path, env.config_path) == ("s1,s0", "", "", None)
    assert env.specialists() == {"wecom": frozenset({"li", "wang"})}
    assert not env.has_wecom and Env({"WECOM_CORP_ID": "ww1"}).has_wecom
    assert Env.of(env) is env


def _environment_reads(path: Path) -> list[str]:
    """Where `path` reads the process environment: os.environ, os.getenv, or importing either."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        named = (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
                 and node.attr in ("environ", "getenv", "putenv"))
        imported = isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            alias.name in ("environ", "getenv", "putenv") for alias in node.names)
        if named or imported:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_bot_common_env_reads_the_environment() -> None:
    files = [p for folder in ("bot", "handlers", "cli") for p in (ROOT / folder).rglob("*.py")]
    reads = [where for path in files for where in _environment_reads(path)]
    assert reads and all(where.startswith("bot/common/env.py:") for where in reads), reads
