"""The console channel: a loading line while it starts, line editing and history on a terminal, and
its traffic kept out of the bureau's figures."""
from __future__ import annotations

import io
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from handlers.console import run_console
from run_bot import main

ROOT = Path(__file__).resolve().parents[2]
UP_ARROW = "\x1b[A"


def test_console_traffic_is_internal(engine) -> None:
    run_console(engine, io.StringIO("商标注册要多久\n2\n转人工\nexit\n"), io.StringIO())
    rows = list(engine.db["events"].rows)
    assert {r["kind"] for r in rows} >= {"question", "choice", "handoff"}
    assert {(r["channel"], r["internal"]) for r in rows} == {("console", 1)}


def test_console_says_it_is_loading_before_anything_else(settings, tmp_path: Path, monkeypatch, capsys) -> None:
    """`run_bot.py console` (run as a process below and in tests/cli/test_cli.py)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("商标注册要多久\nexit\n"))
    assert main(["--config", str(tmp_path / "config.yaml"), "console"]) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    assert first == "正在加载知识库，请稍候……" and "9个月" in "\n".join(rest)


class Terminal:
    """The test's end of the pseudo-terminal: what the console writes, read up to what the test waits for;
    what came after it in the same read is kept for the next wait (an answer and the next prompt often
    arrive together on a busy machine)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.pending = fd, b""

    def until(self, wanted: str, timeout: float = 90.0) -> str:
        """The output up to and including `wanted` (all of it when `wanted` does not come in time)."""
        target, deadline = wanted.encode(), time.monotonic() + timeout
        while target not in self.pending and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.pending += os.read(self.fd, 65536)
                except OSError:
                    break
        found = self.pending.find(target)
        cut = len(self.pending) if found < 0 else found + len(target)
        seen, self.pending = self.pending[:cut], self.pending[cut:]
        return seen.decode(errors="replace")


def _end(pid: int, seconds: float = 5.0) -> None:
    """Wait for the console to exit after `exit`; kill it when it has not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@pytest.mark.slow  # starts a process of its own
def test_on_a_terminal_the_up_arrow_recalls_the_last_question(settings, tmp_path: Path) -> None:
    """Through a pseudo-terminal, as a person types: line editing and history, no ^[[A."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on the terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "run_bot.py", "--config", str(tmp_path / "config.yaml"), "console"])
    terminal = Terminal(fd)
    try:
        terminal.until("> ")
        os.write(fd, "商标注册要多久\r".encode())
        assert "9个月" in terminal.until("9个月")
        terminal.until("> ")
        os.write(fd, f"{UP_ARROW}\r".encode())
        again = terminal.until("9个月", timeout=30)
        os.write(fd, b"exit\r")
        assert "9个月" in again and "^[[A" not in again
    finally:
        _end(pid)
        os.close(fd)
