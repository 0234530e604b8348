"""`run_bot.py wecom`: credentials from the environment, settings from config.yaml's wecom block."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from wecom_fake import AGENT_ID, CORP_ID, ENCODING_AES_KEY, SECRET, TOKEN

from run_bot import main

ENV = {
    "WECOM_CORP_ID": CORP_ID, "WECOM_AGENT_ID": str(AGENT_ID), "WECOM_TOKEN": TOKEN,
    "WECOM_ENCODING_AES_KEY": ENCODING_AES_KEY, "WECOM_SECRET": SECRET, "BOT_SALT": "test-salt",
}


@pytest.fixture
def config(settings, tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "wecom:\n  host: 127.0.0.1\n  port: 8123\n  path: /wx\n",
        encoding="utf-8",
    )
    return path


def set_env(monkeypatch, **overrides: str) -> None:
    for name, value in {**ENV, **overrides}.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)


def test_missing_credentials_are_one_line_naming_them(config: Path, monkeypatch, capsys) -> None:
    set_env(monkeypatch, WECOM_SECRET="", WECOM_TOKEN="")
    assert main(["--config", str(config), "wecom"]) == 2
    err = capsys.readouterr().err
    assert err == "wecom: environment variable(s) not set: WECOM_TOKEN, WECOM_SECRET\n"


@pytest.mark.parametrize("overrides,expected", [
    ({"WECOM_AGENT_ID": "abc"}, "wecom: WECOM_AGENT_ID must be the app's numeric AgentId"),
    ({"WECOM_ENCODING_AES_KEY": "short"}, "wecom: WECOM_ENCODING_AES_KEY: EncodingAESKey must be 43 characters, got 5"),
])
def test_malformed_credentials_are_one_line(config: Path, monkeypatch, capsys, overrides, expected) -> None:
    set_env(monkeypatch, **overrides)
    assert main(["--config", str(config), "wecom"]) == 2
    assert capsys.readouterr().err.strip() == expected


def test_unknown_wecom_setting_is_one_line(config: Path, monkeypatch, capsys) -> None:
    config.write_text(config.read_text(encoding="utf-8") + "  colour: blue\n", encoding="utf-8")
    set_env(monkeypatch)
    assert main(["--config", str(config), "wecom"]) == 2
    assert capsys.readouterr().err.strip() == "config: unknown wecom settings ['colour']"


def test_serves_the_callback_on_the_configured_host_port_and_path(config: Path, monkeypatch) -> None:
    set_env(monkeypatch)
    served = {}

    def fake_run(app, host, port, **kwargs):
        served.update(app=app, host=host, port=port)

    monkeypatch.setattr("uvicorn.run", fake_run)
    assert main(["--config", str(config), "wecom"]) == 0
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    paths = {route.path for route in served["app"].routes}
    assert paths == {"/wx", "/healthz"}


@pytest.mark.asyncio
async def test_the_served_app_answers_its_health_probe(config: Path, monkeypatch) -> None:
    set_env(monkeypatch)
    served = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: served.update(app=app))
    main(["--config", str(config), "wecom"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served["app"]), base_url="http://t") as http:
        assert (await http.get("/healthz")).text == "ok"
        assert (await http.post("/wx", content=b"<xml/>")).status_code == 400


def test_the_shipped_config_block_parses() -> None:
    from bot.common.config import DEFAULT_CONFIG, load_settings

    options = load_settings(DEFAULT_CONFIG, environ={}).wecom
    assert (options.path, options.timestamp_window_seconds) == ("/wecom/callback", 300)


def test_wecom_refuses_to_start_without_bot_salt(config, monkeypatch, capsys) -> None:
    set_env(monkeypatch, BOT_SALT="")
    assert main(["--config", str(config), "wecom"]) == 2
    assert capsys.readouterr().err.startswith("BOT_SALT is not set: a firm-facing channel needs a secret salt")
