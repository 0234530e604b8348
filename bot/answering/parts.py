"""Multi-part questions: a firm often asks several things at once (我们是建阳做建盏的，想注册商标，要什么
材料、多少钱、多久); each asked aspect (材料, 费用, 多久 …) with the question's subject is a question of its own."""
from __future__ import annotations

import re
from dataclasses import replace

from bot.language.normalize import Analysis, join_tokens


def with_tokens(analysis: Analysis, tokens: list[str] | tuple[str, ...]) -> Analysis:
    """The analysis reduced (or extended) to `tokens`, its matching text rebuilt from them."""
    words = tuple(t for t in tokens if t)
    return replace(analysis, text=join_tokens(words), tokens=words)


def asked_aspects(analysis: Analysis, aspects: frozenset[str] | set[str]) -> list[str]:
    """The distinct aspects asked, in the order asked."""
    return [t for t in dict.fromkeys(analysis.tokens) if t in aspects]


def one_part(analysis: Analysis, aspect: str, aspects: frozenset[str] | set[str]) -> Analysis:
    """The question about its subject with only one of the aspects asked (材料 of 材料、费用、多久)."""
    return with_tokens(analysis, [t for t in analysis.tokens if t not in aspects or t == aspect])


_CLAUSES = re.compile(r"[，,。.！!？?；;\n]+")
_ASKS = re.compile(r"怎么|怎样|如何|咋|吗|多少|多久|多长|几|哪|什么|啥|能不能|可不可以|是否|有没有|要不要|\?|？|\b(?:how|what|when|where|which|can|do|does|is)\b", re.IGNORECASE)


def ask_clause(text: str) -> str:
    """The last clause of a message that asks something (…，我们该怎么维权，先做什么 → 先做什么's
    clause and those after the story), or "" for a single clause."""
    clauses = [c.strip() for c in _CLAUSES.split(text) if c.strip()]
    if len(clauses) < 2:
        return ""
    asking = [i for i, c in enumerate(clauses) if _ASKS.search(c)]
    return "，".join(clauses[asking[0]:]) if asking else ""
