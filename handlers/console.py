"""Console channel: a terminal chat over the Engine (numbers pick the offered choices).

Its traffic is internal (trials, not firms: left out of the bureau's figures). On a terminal, lines are
read with readline: arrow keys edit, the up arrow recalls earlier questions of the session."""
from __future__ import annotations

import getpass
from typing import Iterable, Iterator, TextIO

from bot.answering.engine import Engine
from bot.answering.ports import FALLBACK, Message, Reply
from bot.app import forget
from bot.common.vocab import OUT_OF_SCOPE
from bot.i18n.texts import text

CHANNEL = "console"
LOADING = "正在加载知识库，请稍候……"
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
        message = Message(CHANNEL, self.user_id, line, internal=True)
        choice = self._picked(line)
        self.last = self.engine.answer_intent(choice, message) if choice else self.engine.handle(message)
        return self.last

    def _forget(self) -> Reply:
        """/forget, as on every channel: the user's profile, tickets and records go, the Engine forgets."""
        forget(self.engine, CHANNEL, self.user_id)
        self.last = None
        return Reply(FALLBACK, OUT_OF_SCOPE, None, 0.0, text("forget_done", "zh"))

    def _picked(self, line: str) -> str | None:
        if self.last and line.strip().isdecimal():
            number = int(line.strip())
            if 1 <= number <= len(self.last.choices):
                return self.last.choices[number - 1].intent
        return None


def terminal_lines(prompt: str = "> ") -> Iterator[str]:
    """Lines typed on a terminal, with readline's line editing and history, until EOF (Ctrl-D)."""
    import readline  # noqa: F401 (importing it gives input() line editing and history)

    while True:
        try:
            yield input(prompt)
        except EOFError:
            return


def run_console(engine: Engine, lines: Iterable[str], stdout: TextIO) -> None:
    """Answer `lines` (a file, or `terminal_lines()`) until their end or a quit word, printing each reply."""
    session = ConsoleSession(engine, getpass.getuser())
    stdout.write("知创助手 · 南平知识产权问答（输入问题；数字选择选项；exit 退出）\n")
    stdout.flush()
    for line in lines:
        if line.strip().lower() in QUIT_WORDS:
            break
        if line.strip():
            stdout.write(render(session.send(line.rstrip("\n"))) + "\n\n")
            stdout.flush()
