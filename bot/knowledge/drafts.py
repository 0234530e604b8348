"""Knowledge drafts: a specialist's good answer written as a FAQ entry under knowledge/drafts/.

A draft is never loaded into the live knowledge base (bot/knowledge/base.py reads knowledge/faq/ only).
`kb check` validates every draft like an entry and reports what must be fixed before publishing as
warnings of their own; a reviewer publishes by moving the entry into knowledge/faq/<topic>.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from bot.knowledge import rules
from bot.knowledge.base import REQUIRED_TEXT, Entry, KnowledgeBase, Problem, entry_from, read_yaml

DRAFTS_DIR = "drafts"
WARNING = "warning"
STAND_IN = "…"  # for a text the reviewer still has to write, while the draft's other rules are checked


def draft_files(root: Path) -> list[Path]:
    return sorted((root / DRAFTS_DIR).glob("*.yaml"))


def read_drafts(root: Path) -> tuple[list[Entry], list[Problem]]:
    """The draft entries with their schema problems. A draft that only lacks what the reviewer still has
    to write (answer_en, a review date …) is read with stand-ins for it, so that every other rule is checked."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in draft_files(root):
        where = str(path.relative_to(root.parent))
        data, file_problems = read_yaml(path, root)
        problems += file_problems
        if data is None:
            continue
        if not isinstance(data, list):
            problems.append(Problem(where, "", "file", "must be a YAML list of entries"))
            continue
        for index, raw in enumerate(data):
            entry, entry_problems = entry_from(raw, where, index)
            problems += entry_problems
            if entry is None and isinstance(raw, dict):
                missing: dict[str, str | date] = {name: STAND_IN for name in REQUIRED_TEXT if not str(raw.get(name) or "").strip()}
                if not isinstance(raw.get("reviewed"), date):
                    missing["reviewed"] = date.min
                entry, _ = entry_from({**raw, **missing}, where, index)
            if entry is not None:
                entries.append(entry)
    return entries, problems


def check_drafts(root: Path, kb: KnowledgeBase) -> list[Problem]:
    """kb check for knowledge/drafts/*.yaml: each draft checked as an entry (schema, vocabulary, facts,
    bare amounts, phrasings, ids and phrasings shared with live entries), every problem a warning."""
    drafts, problems = read_drafts(root)
    if not drafts:
        return [replace(p, severity=WARNING) for p in problems]
    for entry in drafts:
        problems += rules.check_vocabulary(entry)
        problems += rules.check_facts(entry, kb.facts)
    combined = [*kb.entries.values(), *drafts]
    files = {entry.file for entry in drafts}
    problems += [p for p in rules.check_links(combined) if p.file in files]
    problems += [p for p in rules.check_phrasings(combined, kb.normalizer) if p.file in files]
    return [replace(p, severity=WARNING) for p in problems]


@dataclass(frozen=True)
class DraftSummary:
    """One draft as `kb drafts` lists it."""

    file: str
    id: str
    topic: str
    title: str
    problems: int


def summarize_drafts(root: Path, kb: KnowledgeBase) -> list[DraftSummary]:
    """Every draft file with its entry and the number of problems kb check reports for it."""
    drafts, _ = read_drafts(root)
    problems = check_drafts(root, kb)
    by_file = {entry.file: entry for entry in drafts}
    summaries = []
    for path in draft_files(root):
        file = str(path.relative_to(root.parent))
        entry = by_file.get(file)
        summaries.append(DraftSummary(file, entry.id if entry else "-", entry.topic if entry else "-",
                                      entry.title if entry else "-", sum(p.file == file for p in problems)))
    return summaries
