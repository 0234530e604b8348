"""Console channel: a terminal chat over the Engine (numbers pick the offered choices)."""
from __future__ import annotations

import getpass
from typing import Callable, TextIO

from bot.engine import FALLBACK, Engine, Message, Reply
from bot.onboarding import forget
from bot.profiles import Profiles
from bot.texts import text
from bot.vocab import OUT_OF_SCOPE

CHANNEL = "console"
QUIT_WORDS = frozenset({"exit", "quit", "q", "退出", "再见"})
FORGET = "/forget"


def render(reply: Reply) -> str:
    """The reply as terminal text: the answer, then the choices numbered."""
    lines = [reply.text]
    lines += [f"  {n}. {choice.title}" for n, choice in enumerate(reply.choices, start=1)]
    return "\n".join(lines)


class ConsoleSession:
    """One user's conversation: free text goes to the Engine, a number presses a choice."""

    def __init__(self, engine: Engine, user_id: str) -> None:
        self.engine = engine
        self.user_id = user_id
        self.last: Reply | None = None

    def send(self, line: str) -> Reply:
        if line.strip().lower() == FORGET:
            return self._forget()
        message = Message(CHANNEL, self.user_id, line)
        choice = self._picked(line)
        self.last = self.engine.answer_intent(choice, message) if choice else self.engine.handle(message)
        return self.last

    def _forget(self) -> Reply:
        """/forget, as on every channel: the user's profile, tickets and records go, the Engine forgets."""
        forget(self.engine, Profiles(self.engine.db), CHANNEL, self.user_id)
        self.last = None
        return Reply(FALLBACK, OUT_OF_SCOPE, None, 0.0, text("forget_done", "zh"))

    def _picked(self, line: str) -> str | None:
        if self.last and line.strip().isdecimal():
            number = int(line.strip())
            if 1 <= number <= len(self.last.choices):
                return self.last.choices[number - 1].intent
        return None


def run_console(engine: Engine, stdin: TextIO, stdout: TextIO, prompt: Callable[[], str] | None = None) -> None:
    """Read lines until EOF or a quit word, printing each reply."""
    session = ConsoleSession(engine, getpass.getuser())
    stdout.write("知创助手 · 南平知识产权问答（输入问题；数字选择选项；exit 退出）\n")
    while True:
        if prompt:
            stdout.write(prompt())
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip().lower() in QUIT_WORDS:
            break
        if line.strip():
            stdout.write(render(session.send(line)) + "\n\n")
            stdout.flush()
