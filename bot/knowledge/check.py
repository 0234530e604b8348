"""`kb check`: every rule the knowledge base must satisfy; the bot refuses to start on an error."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from bot.common.clock import SystemClock, local_date
from bot.knowledge.base import (
    Entry,
    KnowledgeBase,
    Problem,
    read_entries,
    read_facts,
    read_laws,
    read_lexicon,
)
from bot.knowledge.calendar import check_events
from bot.knowledge.drafts import check_drafts
from bot.knowledge.facts import FactBook
from bot.knowledge.menus import check_groups
from bot.knowledge.over_time import check_over_time, with_cited_laws
from bot.knowledge.rules import check_facts, check_links, check_phrasings, check_vocabulary
from bot.language.normalize import Normalizer

# A check of another knowledge file: (root, kb) -> problems. The knowledge package's own run always;
# higher capabilities (the station directory) pass theirs in, listed in bot/app.py.
FileCheck = Callable[[Path, KnowledgeBase], list[Problem]]
OWN_CHECKS: tuple[FileCheck, ...] = (check_events, check_drafts, check_groups)


class KnowledgeError(Exception):
    """The knowledge base has errors; `problems` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_knowledge(
    root: Path, today: date | None = None, file_checks: Iterable[FileCheck] = ()
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Read and validate everything under `root` (answers on both sides of every switch date and on
    `today`, default the Shanghai date now), with this package's file checks and `file_checks`; the
    base is None when it has errors."""
    today = today or local_date(SystemClock().now())
    entries, problems = read_entries(root)
    facts, fact_problems = read_facts(root)
    laws, law_problems = read_laws(root)
    lexicon, lexicon_problems = read_lexicon(root)
    problems += fact_problems + law_problems + lexicon_problems
    book = FactBook(facts, laws)
    entries = [with_cited_laws(entry, book.laws) for entry in entries]
    normalizer = Normalizer(lexicon, vocabulary_of(entries))
    normalizer.learn_phrasings(q for e in entries for q in e.questions)
    for entry in entries:
        problems += check_vocabulary(entry)
        problems += check_facts(entry, book)
    problems += check_links(entries)
    problems += check_phrasings(entries, normalizer)
    kb = KnowledgeBase({e.id: e for e in entries}, book, lexicon, normalizer, root)
    problems += check_over_time(kb, today)
    for extra in (*file_checks, *OWN_CHECKS):
        problems += extra(root, kb)
    errors = [p for p in problems if p.severity == "error"]
    return (None if errors else kb), problems


def vocabulary_of(entries: Iterable[Entry]) -> list[str]:
    """Words the segmenter must keep whole: entry keywords."""
    return [keyword for entry in entries for keyword in entry.keywords]


def load_knowledge(root: Path, file_checks: Iterable[FileCheck] = ()) -> KnowledgeBase:
    """The checked knowledge base, or KnowledgeError with every problem."""
    kb, problems = check_knowledge(root, file_checks=file_checks)
    if kb is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    return kb
