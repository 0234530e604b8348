"""The adapter's pieces: callback data, message splitting, config, tokens and `run_bot.py telegram`."""
from __future__ import annotations

import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.answering.ports import Choice, Reply
from bot.common.config import ConfigError, load_settings
from handlers.telegram.config import bot_token, webhook_secret
from handlers.telegram.render import (
    MAX_CALLBACK_BYTES,
    html_chunks,
    intent_data,
    intent_from,
    reply_markup,
    topic_keyboard,
)
from run_bot import main

ROOT = Path(__file__).resolve().parents[3]
GOOD_TOKEN = "123456789:" + "Ab_-" * 9


def test_every_fixture_entry_and_topic_fits_in_callback_data_and_round_trips(fixture_kb) -> None:
    intents = [*fixture_kb.entries, "handoff", *(f"topic:{t}" for t in ("trademark", "geographical_indication"))]
    for intent in intents:
        data = intent_data(intent)
        assert len(data.encode()) <= MAX_CALLBACK_BYTES
        assert intent_from(data, fixture_kb.entries) == intent
    assert intent_data("tm_fee") == "a:tm_fee" and intent_data("topic:patent") == "t:patent"


def test_an_id_too_long_for_callback_data_is_sent_as_a_digest() -> None:
    long_id = "tm_" + "very_long_entry_identifier_" * 3
    data = intent_data(long_id)
    assert data.startswith("ah:") and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert intent_from(data, ["tm_fee", long_id]) == long_id
    assert intent_from(data, ["tm_fee"]) is None  # the entry is gone after a reload
    where = intent_data("where:" + long_id)  # its 去哪里办？ button
    assert where.startswith("ah:") and len(where.encode()) <= MAX_CALLBACK_BYTES
    assert intent_from(where, ["tm_fee", long_id]) == "where:" + long_id
    assert intent_from(intent_data("where:tm_fee"), ["tm_fee"]) == "where:tm_fee"


def test_every_button_of_a_reply_fits() -> None:
    choices = tuple(Choice("x" * 70 + str(n), "trademark", f"title {n}") for n in range(3))
    reply = Reply("answer", "trademark", "tm_fee", 90.0, "text", choices, event_id=123456789012)
    markup = reply_markup(reply)
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert len(set(data)) == 5 and all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in data)
    assert data[-2:] == ["f:123456789012:u", "f:123456789012:d"]
    assert all(len(b.callback_data) <= MAX_CALLBACK_BYTES for row in topic_keyboard("en").inline_keyboard for b in row)


def test_short_text_is_escaped_in_one_message() -> None:
    assert html_chunks("A & B <b>商标</b>") == ["A &amp; B &lt;b&gt;商标&lt;/b&gt;"]


def test_split_prefers_paragraphs_then_lines_then_sentences() -> None:
    paragraphs = ["甲" * 30, "乙" * 30, "丙" * 30]
    assert html_chunks("\n\n".join(paragraphs), limit=70) == ["甲" * 30 + "\n\n" + "乙" * 30, "丙" * 30]
    lines = "一" * 40 + "\n" + "二" * 40
    assert html_chunks(lines, limit=50) == ["一" * 40, "二" * 40]
    sentences = "第一句很长很长。" * 10
    chunks = html_chunks(sentences, limit=20)
    assert all(c.endswith("。") and len(c) <= 20 for c in chunks) and "".join(chunks) == sentences


def test_split_counts_the_length_after_html_parsing_like_telegram() -> None:
    text = "&" * 30  # sent as &amp;, counted by Telegram as one character
    chunks = html_chunks(text, limit=12)
    assert chunks == ["&amp;" * 12, "&amp;" * 12, "&amp;" * 6]
    assert html.unescape("".join(chunks)) == text
    broadcast = ("商标 & 专利 <通知> " * 250)[:3500]  # 3,500 characters with &<>: one message
    assert len(html_chunks(broadcast)) == 1


def test_split_counts_utf16_units_like_telegram() -> None:
    chunks = html_chunks("😀" * 10, limit=8)  # an emoji is two UTF-16 units
    assert [len(c) for c in chunks] == [4, 4, 2]


def test_telegram_config_defaults_and_errors(tmp_path: Path) -> None:
    def settings(block: str):
        path = tmp_path / "config.yaml"
        path.write_text(block, encoding="utf-8")
        return load_settings(path, environ={})

    default = settings("db_path: x.db\n").telegram
    assert (default.flood.messages, default.flood.per_seconds, default.webhook) == (20, 60, None)
    hook = settings("telegram:\n  webhook: {url: 'https://bot.example.cn/tg', port: 8443}\n").telegram
    assert (hook.webhook.url, hook.webhook.port, hook.webhook.path) == ("https://bot.example.cn/tg", 8443, "telegram")
    for bad, message in [
        ("telegram:\n  flood: {messages: 0}\n", "config: telegram.flood.messages must be a positive number"),
        ("telegram:\n  webhook: {url: 'http://insecure'}\n", "config: telegram.webhook.url must be an https:// URL"),
        ("telegram:\n  polling: yes\n", "config: unknown telegram settings ['polling']"),
    ]:
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            settings(bad)


@pytest.mark.parametrize("token", ["", "   ", "abc", "123:short", "12a:" + "A" * 35, "123:" + "A" * 34 + "!"])
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(ConfigError, match="^TELEGRAM_BOT_TOKEN is (not set|malformed)"):
        bot_token({"TELEGRAM_BOT_TOKEN": token})


def test_good_token_and_webhook_secret() -> None:
    assert bot_token({"TELEGRAM_BOT_TOKEN": f" {GOOD_TOKEN} "}) == GOOD_TOKEN
    assert webhook_secret({"TELEGRAM_WEBHOOK_SECRET": "s3cret_-X"}) == "s3cret_-X"
    for secret in ("", "has space", "x" * 257):
        with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
            webhook_secret({"TELEGRAM_WEBHOOK_SECRET": secret})


NOT_SET = "TELEGRAM_BOT_TOKEN is not set: export the token @BotFather gave you"
MALFORMED = "TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<35 or more letters, digits, _ or ->"


@pytest.mark.parametrize(("token", "expected"), [(None, NOT_SET), ("123:abc", MALFORMED)])
def test_run_bot_telegram_without_a_good_token_is_a_one_line_error(settings, tmp_path, monkeypatch, capsys,
                                                                    token, expected) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    if token:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    assert main(["--config", str(tmp_path / "config.yaml"), "telegram"]) == 2
    assert capsys.readouterr() == ("", expected + "\n")


@pytest.mark.slow  # starts a process of its own: the one `run_bot.py telegram` run as a process
def test_run_bot_telegram_as_a_process_without_a_token_is_a_one_line_error(settings, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "run_bot.py", "--config", str(tmp_path / "config.yaml"), "telegram"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", NOT_SET + "\n")


def test_run_bot_telegram_polls_by_default_and_serves_a_webhook_when_configured(
    settings, tmp_path, monkeypatch
) -> None:
    runs: list[tuple[str, dict]] = []
    monkeypatch.setattr(Application, "run_polling", lambda self, **kw: runs.append(("polling", kw)))
    monkeypatch.setattr(Application, "run_webhook", lambda self, **kw: runs.append(("webhook", kw)))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", GOOD_TOKEN)
    monkeypatch.delenv("BOT_SALT", raising=False)
    config = tmp_path / "config.yaml"
    assert main(["--config", str(config), "telegram"]) == 2  # no BOT_SALT: refused (docs/privacy.md)
    assert runs == []
    monkeypatch.setenv("BOT_SALT", "test-salt")
    assert main(["--config", str(config), "telegram"]) == 0

    config.write_text(config.read_text(encoding="utf-8")
                      + "telegram:\n  webhook: {url: 'https://bot.example.cn/tg', port: 8443, path: tg}\n")
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    assert main(["--config", str(config), "telegram"]) == 2  # webhook mode needs the secret
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    assert main(["--config", str(config), "telegram"]) == 0

    assert [kind for kind, _ in runs] == ["polling", "webhook"]
    assert runs[0][1]["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert {k: runs[1][1][k] for k in ("listen", "port", "url_path", "webhook_url", "secret_token")} == {
        "listen": "0.0.0.0", "port": 8443, "url_path": "tg", "webhook_url": "https://bot.example.cn/tg",
        "secret_token": "s3cret"}
