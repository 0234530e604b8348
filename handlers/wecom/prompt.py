"""What the WeCom channel says, and what a bare number typed next answers.

WeCom callback text has no buttons: options are numbered lines ("回复 1/2/3 选择", "回复 0 跳过" where
skipping is allowed); after an answer, + or - rates it.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.answering.ports import ANSWER, Reply
from bot.common.vocab import SMALLTALK
from bot.firms.onboarding import Option
from bot.i18n.texts import text

CHOICE = "choice"  # the options are Engine intents (a reply's choices, the topic menu)


@dataclass(frozen=True)
class Prompt:
    """A reply's text, and what its numbers mean: `kind` says who handles a picked option ('' none)."""

    text: str
    language: str = "zh"
    kind: str = ""
    options: tuple[Option, ...] = ()
    skippable: bool = False  # 0 skips the question
    rated: Reply | None = None  # the answer a + or - would rate
    note: str = ""  # a last line, after the options
    keeps_offer: bool = False  # a short acknowledgement: the numbers of the last reply still pick


def reply_prompt(reply: Reply) -> Prompt:
    """An Engine reply: its choices numbered; an answer (not small talk) can be rated."""
    options = tuple(Option(choice.intent, choice.title) for choice in reply.choices)
    rateable = reply.decision == ANSWER and reply.topic != SMALLTALK and reply.event_id is not None
    kind = CHOICE if options else ""
    return Prompt(reply.text, reply.language, kind, options, rated=reply if rateable else None)


def numbers_hint(count: int) -> str:
    return "/".join(str(n) for n in range(1, count + 1)) if count <= 4 else f"1–{count}"


def render(prompt: Prompt) -> str:
    """The prompt as WeCom text: the text, the numbered options, and what to type next."""
    lines = [prompt.text] + [f"  {n}. {option.title}" for n, option in enumerate(prompt.options, start=1)]
    if prompt.options:
        key = "reply_number_skip" if prompt.skippable else "reply_number"
        lines.append(text(key, prompt.language, numbers=numbers_hint(len(prompt.options))))
    if prompt.rated is not None:
        lines.append(text("rate_answer", prompt.language))
    if prompt.note:
        lines.append(prompt.note)
    return "\n".join(lines)
