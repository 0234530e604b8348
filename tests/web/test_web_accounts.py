"""Web console accounts and sessions: the CLI, scrypt hashes, signed cookies, CSRF, the login limit,
and every refusal (no session, wrong role, bad CSRF token, disabled account, expired session)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from settings_helper import write_settings
from web_harness import PASSWORD, ROOT, SECRET, free_port, log_in, post

from bot.app import open_db
from bot.common.config import ConfigError
from run_bot import main
from web.accounts import AccountError, Accounts
from web.security import MAX_TRACKED, LoginLimiter, SecretError, Session, SessionCodec, session_secret


def audit_actions(db) -> list[tuple[str, str]]:
    return [(r["actor"], r["action"]) for r in db.query("select * from audit order by id")]


# ---- accounts -------------------------------------------------------------------------------------

def test_passwords_are_salted_scrypt_hashes(accounts: Accounts, db) -> None:
    rows = {r["name"]: r for r in db.query("select * from web_users")}
    assert rows["li"]["salt"] != rows["wang"]["salt"]
    assert rows["li"]["hash"] != rows["wang"]["hash"]  # same password, different salts
    assert PASSWORD not in json.dumps(rows)
    assert rows["li"]["params"] == "16384:8:1"
    assert accounts.verify("li", PASSWORD).identity == "telegram:9001"
    assert accounts.verify("li", "wrong password!") is None
    assert accounts.verify("nobody", PASSWORD) is None


@pytest.mark.parametrize(("args", "error"), [
    (("x y", "bureau", None, PASSWORD), "the name must be 1–64 characters without spaces"),
    (("x", "admin", None, PASSWORD), "the role must be one of bureau, specialist"),
    (("x", "specialist", None, PASSWORD), "a specialist needs --as telegram:<id> or wecom:<userid> (their chat identity)"),
    (("x", "specialist", "sms:1", PASSWORD), "--as 'sms:1' is not telegram:<id> or wecom:<userid>"),
    (("x", "bureau", None, "short"), "the password must have at least 10 characters"),
    (("li", "bureau", None, PASSWORD), "there is already an account 'li' (web user passwd to change its password)"),
])
def test_bad_accounts_are_refused(accounts: Accounts, clock, args, error) -> None:
    with pytest.raises(AccountError) as raised:
        accounts.add(*args, actor="test", now=clock.now())
    assert str(raised.value) == error


def test_cli_adds_changes_and_disables_with_password_from_stdin(web_settings, monkeypatch, capsys) -> None:
    config = ["--config", str(web_settings.db_path.parent / "config.yaml")]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["web", "user", "add", "zhao", "--role", "specialist", "--as", "wecom:zhao", *config]) == 2
    assert "wecom:zhao is not a configured specialist (specialists.wecom in the config, or WECOM_SPECIALISTS)" in (
        capsys.readouterr().err)
    monkeypatch.setenv("WECOM_SPECIALISTS", "zhao")
    assert main(["web", "user", "add", "zhao", "--role", "specialist", "--as", "wecom:zhao", *config]) == 0
    assert "zhao added, role specialist, chat identity wecom:zhao" in capsys.readouterr().out
    db = open_db(web_settings.db_path)
    before = db["web_users"].get("zhao")
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["web", "user", "passwd", "zhao", *config]) == 0
    after = db["web_users"].get("zhao")
    assert (after["salt"] != before["salt"], after["epoch"]) == (True, 1)
    assert Accounts(db).verify("zhao", "another long password") is not None
    assert main(["web", "user", "disable", "zhao", *config]) == 0
    assert Accounts(db).verify("zhao", "another long password") is None
    assert [a for _, a in audit_actions(db)] == ["web_user_add", "web_user_passwd", "web_user_disable"]
    assert all(actor.startswith("cli") for actor, _ in audit_actions(db))
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["web", "user", "passwd", "zhao", *config]) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert main(["web", "user", "disable", "nobody", *config]) == 2
    assert "there is no account 'nobody'" in capsys.readouterr().err


def test_the_password_is_never_an_argument(web_settings, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["web", "user", "add", "zhao", "--role", "bureau", "--password", PASSWORD])
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def test_serving_needs_a_secret_unless_dev(web_settings, monkeypatch, capsys) -> None:
    monkeypatch.delenv("WEB_SECRET", raising=False)
    assert main(["web", "--config", str(web_settings.db_path.parent / "config.yaml")]) == 2
    assert "WEB_SECRET is not set" in capsys.readouterr().err
    with pytest.raises(SecretError, match="at least 32 characters"):
        session_secret({"WEB_SECRET": "short"}, dev=False)
    assert len(session_secret({}, dev=True)) == 32


# ---- sessions -------------------------------------------------------------------------------------

def test_session_cookies_are_signed_and_expire(clock) -> None:
    codec = SessionCodec(SECRET)
    session = Session("token", clock.now() + timedelta(hours=1), "li", 2)
    cookie = codec.dumps(session)
    assert codec.loads(cookie, clock.now()) == session
    payload, signature = cookie.split(".")
    assert codec.loads(f"{payload}x.{signature}", clock.now()) is None
    assert SessionCodec(b"another secret, another secret!!").loads(cookie, clock.now()) is None
    assert codec.loads(cookie, clock.now() + timedelta(hours=1)) is None
    assert codec.loads("garbage", clock.now()) is None


def test_login_and_logout(client, db) -> None:
    assert client.get("/account").headers["location"] == "/login?why=login"
    response = log_in(client, "ju")
    assert (response.status_code, response.headers["location"]) == (303, "/")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert client.get("/").headers["location"] == "/dashboard"
    assert "ju（局方）" in client.get("/account").text
    stolen = client.cookies.get("zc_session")
    response = post(client, "/logout", page="/account")
    assert response.headers["location"] == "/login?why=logout"
    assert client.get("/account").headers["location"] == "/login?why=login"
    client.cookies.set("zc_session", stolen, domain="console.test")
    assert client.get("/account").headers["location"] == "/login?why=ended"  # a copied cookie is dead too
    assert audit_actions(db)[-2:] == [("ju", "web_login"), ("ju", "web_logout")]


def test_wrong_password_and_the_login_limit(client, clock) -> None:
    response = log_in(client, "ju", "not the password")
    assert response.status_code == 401 and "用户名或密码不正确" in response.text
    for _ in range(4):
        log_in(client, "ju", "not the password")
    response = log_in(client, "ju")  # the right password, but too many failures
    assert response.status_code == 429 and "登录失败次数过多" in response.text
    clock.advance(timedelta(minutes=15))
    assert log_in(client, "ju").status_code == 303


def test_the_login_limiter_forgets_failures_past_the_window(clock) -> None:
    limiter = LoginLimiter(attempts=2, window=timedelta(minutes=15))
    for number in range(MAX_TRACKED // 2):
        limiter.failed(f"name{number}", f"10.0.{number // 250}.{number % 250}", clock.now())
    limiter.failed("ju", "10.9.9.9", clock.now())
    assert limiter.blocked("ju", "10.9.9.8", clock.now()) is False  # one failure of two
    clock.advance(timedelta(minutes=15))
    limiter.failed("ju", "10.9.9.9", clock.now())  # the table is full: the old entries go
    assert len(limiter._failures) == 2
    limiter.failed("ju", "10.9.9.9", clock.now())
    assert limiter.blocked("ju", "10.1.1.1", clock.now()) and limiter.blocked("li", "10.9.9.9", clock.now())


def test_a_disabled_account_is_logged_out_at_its_next_request(client, accounts, clock) -> None:
    log_in(client, "li")
    assert client.get("/account").status_code == 200
    accounts.disable("li", actor="test", now=clock.now())
    assert client.get("/account").headers["location"] == "/login?why=ended"
    assert log_in(client, "li").status_code == 401


def test_an_expired_session_must_log_in_again(client, clock) -> None:
    log_in(client, "li")
    clock.advance(timedelta(hours=8))
    response = client.get("/account")
    assert response.headers["location"] == "/login?why=expired"
    assert "会话已过期" in client.get(response.headers["location"]).text


def test_a_form_without_the_right_csrf_token_is_refused(client) -> None:
    log_in(client, "ju")
    response = client.post("/logout", data={"csrf": "forged"})
    assert response.status_code == 403 and "CSRF" in response.text
    assert client.post("/logout").status_code == 403
    assert client.get("/account").status_code == 200  # still logged in
    anonymous = client.post("/login", data={"name": "ju", "password": PASSWORD})
    assert anonymous.status_code == 403


def test_pages_carry_security_headers(client) -> None:
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("block", "error"), [
    ("web:\n  session_hours: 0\n", "config: web: session_hours, login_attempts and login_window_minutes must be positive, port 1–65535"),
    ("web:\n  port: 70000\n", "config: web: session_hours, login_attempts and login_window_minutes must be positive, port 1–65535"),
    ("web:\n  sessions: 8\n", "config: unknown web settings ['sessions']"),
])
def test_bad_web_settings_are_one_line_errors(tmp_path, kb_dir, block: str, error: str) -> None:
    with pytest.raises(ConfigError) as raised:
        write_settings(tmp_path, kb_dir, block)
    assert str(raised.value) == error


@pytest.mark.slow  # starts a process of its own
def test_the_web_command_serves_the_console(tmp_path, kb_dir) -> None:
    """`run_bot.py web --dev` as an operator starts it: the login page answers on the configured port."""
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f"db_path: {tmp_path / 'bot.db'}\nknowledge_dir: {kb_dir}\nweb:\n  port: {port}\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != "WEB_SECRET"}
    process = subprocess.Popen([sys.executable, str(ROOT / "run_bot.py"), "--config", str(config), "web", "--dev"],
                               env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page = wait_for(f"http://127.0.0.1:{port}/login")
        assert page.status_code == 200 and "登录" in page.text
        assert "Secure" not in page.headers["set-cookie"]  # --dev: plain http on this machine
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert f"web: console on http://127.0.0.1:{port}/ (dev" in errors


def wait_for(url: str, seconds: float = 60):
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
