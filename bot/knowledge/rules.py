"""The rules every knowledge entry must satisfy, shared by `kb check` (bot/knowledge/check.py) and the
drafts' check (bot/knowledge/drafts.py)."""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from bot.common.vocab import STATION_TYPES, TOPICS
from bot.knowledge.base import Entry, Problem
from bot.knowledge.facts import FactBook, references
from bot.language.normalize import Normalizer

MIN_PHRASINGS = 6

_CN_NUM = "零〇一二两三四五六七八九十百千万半"
_ZH_AMOUNT = re.compile(
    rf"(?<![第\d{_CN_NUM}])(?:\d+(?:[.,]\d+)*|[{_CN_NUM}]+)\s*"
    r"(?:个工作日|工作日|个月|个星期|星期|万元|亿元|元|块钱|万|亿|日|天|周|年|小时|倍|%|％)"
)
_EN_AMOUNT = re.compile(
    r"(?<![\w.])(?:\d+(?:[.,]\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|sixty|ninety|hundred)(?:\s|-)*"
    r"(?:working days?|days?|weeks?|months?|years?|hours?|yuan|rmb|percent|%|times)\b",
    re.IGNORECASE,
)
# Dates, article and class numbers, hotlines: not amounts.
_EXEMPT = re.compile(
    r"\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|\d{4}-\d{2}-\d{2}|\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(?:19|20)\d{2}|(?:art(?:icle)?s?\.?|class(?:es)?|no\.)\s*\d+(?:\s*(?:and|,|-|–)\s*\d+)*",
    re.IGNORECASE,
)


def bare_amounts(text: str) -> list[str]:
    """Amounts of money, time or percentages written inline instead of through a fact."""
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = _EXEMPT.sub(" ", text)
    return [m.group(0).strip() for m in _ZH_AMOUNT.finditer(text)] + [
        m.group(0).strip() for m in _EN_AMOUNT.finditer(text)
    ]


def check_vocabulary(entry: Entry) -> Iterable[Problem]:
    if entry.topic not in TOPICS:
        yield Problem(entry.file, entry.id, "topic", f"unknown topic '{entry.topic}'")
    for station_type in entry.station_types:
        if station_type not in STATION_TYPES:
            yield Problem(entry.file, entry.id, "station_types", f"unknown station type '{station_type}'")


def check_facts(entry: Entry, facts: FactBook) -> Iterable[Problem]:
    for field_name in ("answer", "answer_en"):
        text = getattr(entry, field_name)
        for name in references(text):
            if name not in facts.facts:
                yield Problem(entry.file, entry.id, field_name, f"unknown fact {{{name}}}")
        for amount in bare_amounts(text):
            yield Problem(entry.file, entry.id, field_name, f"bare amount '{amount}': quote it from a fact")


def check_links(entries: list[Entry]) -> Iterable[Problem]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            yield Problem(entry.file, entry.id, "id", f"duplicate id (also in {seen[entry.id].file})")
        seen[entry.id] = entry
    for entry in entries:
        for target in entry.follow_ups:
            if target not in seen:
                yield Problem(entry.file, entry.id, "follow_ups", f"unknown entry '{target}'")


def check_phrasings(entries: list[Entry], normalizer: Normalizer) -> Iterable[Problem]:
    owner: dict[str, Entry] = {}
    for entry in entries:
        forms: defaultdict[str, list[str]] = defaultdict(list)
        for question in entry.questions:
            forms[normalizer.analyze_known(question).key].append(question)
        for form, originals in forms.items():
            if len(originals) > 1:
                yield Problem(entry.file, entry.id, "questions", f"same after normalisation: {originals}")
            if not form:
                yield Problem(entry.file, entry.id, "questions", f"empty after normalisation: {originals}")
            elif form in owner and owner[form].id != entry.id:
                yield Problem(
                    entry.file, entry.id, "questions",
                    f"'{originals[0]}' is also a phrasing of {owner[form].id}",
                )
            owner.setdefault(form, entry)
        if len(forms) < MIN_PHRASINGS and entry.topic != "smalltalk":
            yield Problem(
                entry.file, entry.id, "questions",
                f"{len(forms)} distinct phrasings, at least {MIN_PHRASINGS} needed",
            )
