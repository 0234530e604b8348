"""`kb check`: every rule the knowledge base must satisfy; the bot refuses to start on an error."""
from __future__ import annotations

import hashlib
from dataclasses import asdict
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
from bot.language import memo
from bot.language.normalize import Normalizer

# A check of another knowledge file: (root, kb) -> problems. The knowledge package's own run always;
# higher capabilities (the station directory) pass theirs in, listed in bot/app.py.
FileCheck = Callable[[Path, KnowledgeBase], list[Problem]]
OWN_CHECKS: tuple[FileCheck, ...] = (check_events, check_drafts, check_groups)
CODE = Path(__file__).resolve().parent.parent  # bot/: the code a passed check holds for


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
    kb, entries, problems = read_knowledge(root)
    problems += remembered_rule_problems(kb, entries, today)
    return with_file_checks(kb, problems, file_checks)


def read_knowledge(root: Path) -> tuple[KnowledgeBase, list[Entry], list[Problem]]:
    """Every knowledge file under `root` read into a knowledge base (its normaliser has learnt the
    phrasings), with every entry read (an id given twice among them) and the problems of reading them."""
    entries, problems = read_entries(root)
    facts, fact_problems = read_facts(root)
    laws, law_problems = read_laws(root)
    lexicon, lexicon_problems = read_lexicon(root)
    problems += fact_problems + law_problems + lexicon_problems
    book = FactBook(facts, laws)
    entries = [with_cited_laws(entry, book.laws) for entry in entries]
    normalizer = Normalizer(lexicon, vocabulary_of(entries))
    normalizer.learn_phrasings(q for e in entries for q in e.questions)
    return KnowledgeBase({e.id: e for e in entries}, book, lexicon, normalizer, root), entries, problems


def rule_problems(kb: KnowledgeBase, entries: list[Entry], today: date) -> list[Problem]:
    """The rules of this package over every entry read: vocabulary, facts, links, phrasings, answers over time."""
    problems: list[Problem] = []
    for entry in entries:
        problems += check_vocabulary(entry)
        problems += check_facts(entry, kb.facts)
    problems += check_links(entries)
    problems += check_phrasings(entries, kb.normalizer)
    return problems + check_over_time(kb, today)


def remembered_rule_problems(kb: KnowledgeBase, entries: list[Entry], today: date) -> list[Problem]:
    """`rule_problems`, read from disk (bot/language/memo.py) when the same files were checked on the same
    day with the same code: the rules cost a start-up about 0.15 s, answers over time most of it."""
    name = f"checked-{_fingerprint(kb.directory, today)}"
    try:
        return [Problem(**found) for found in (memo.read(name) or {})["problems"]]
    except (KeyError, TypeError):
        problems = rule_problems(kb, entries, today)
        memo.write(name, {"day": today.isoformat(), "problems": [asdict(problem) for problem in problems]})
        return problems


def with_file_checks(
    kb: KnowledgeBase, problems: list[Problem], file_checks: Iterable[FileCheck]
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The checks of the other knowledge files (which also attach them to `kb`) added to `problems`;
    the base is None when there is an error."""
    for extra in (*file_checks, *OWN_CHECKS):
        problems += extra(kb.directory, kb)
    return (None if _errors(problems) else kb), problems


def vocabulary_of(entries: Iterable[Entry]) -> list[str]:
    """Words the segmenter must keep whole: entry keywords."""
    return [keyword for entry in entries for keyword in entry.keywords]


def load_knowledge(root: Path, file_checks: Iterable[FileCheck] = ()) -> KnowledgeBase:
    """The checked knowledge base, or KnowledgeError with every problem."""
    kb, problems = check_knowledge(root, file_checks=file_checks)
    if kb is None:
        raise KnowledgeError(_errors(problems))
    return kb


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _fingerprint(root: Path, today: date) -> str:
    """Everything this package's rules depend on: every file under `root`, the code of the bot, the
    libraries that read and segment the files, and the day (answers are checked as of it)."""
    files = [[str(path.relative_to(root)), _digest(path)] for path in sorted(root.rglob("*")) if path.is_file()]
    code = [[str(path.relative_to(CODE)), _digest(path)] for path in sorted(CODE.rglob("*.py"))]
    return memo.fingerprint(files, code, memo.versions("jieba", "pypinyin", "zhconv", "PyYAML"), today.isoformat())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
