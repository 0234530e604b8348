"""Knowledge drafts: a specialist's good answer written as a FAQ entry under knowledge/drafts/.

A draft is never loaded into the live knowledge base (bot/knowledge.py reads knowledge/faq/ only).
`kb check` validates every draft like an entry and reports what must be fixed before publishing as
warnings of their own; a reviewer publishes by moving the entry into knowledge/faq/<topic>.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.knowledge import REQUIRED_TEXT, Entry, KnowledgeBase, Problem, entry_from, read_yaml

if TYPE_CHECKING:
    from bot.tickets import Ticket

DRAFTS_DIR = "drafts"
TITLE_CHARS = 40
WARNING = "warning"
STAND_IN = "…"  # for a text the reviewer still has to write, while the draft's other rules are checked


def draft_id(ticket_id: int) -> str:
    return f"ticket_{ticket_id}"


def draft_path(knowledge_dir: Path, ticket_id: int) -> Path:
    """knowledge/drafts/ticket_<n>.yaml: the file is named after the entry id it holds."""
    return knowledge_dir / DRAFTS_DIR / f"{draft_id(ticket_id)}.yaml"


class _BlockDumper(yaml.SafeDumper):
    """Multi-line text as YAML block scalars (`|`), readable and editable by a reviewer."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def draft_entry(ticket: Ticket, answer: str, today: date) -> dict:
    """The entry a ticket's answer becomes: the question as its first phrasing, the answer, the topic
    guess; `answer_en`, more phrasings and facts for any figures are left for the reviewer."""
    question = " ".join((ticket.question or "").split())
    return {
        "id": draft_id(ticket.id),
        "draft": True,
        "topic": ticket.topic,
        "title": question[:TITLE_CHARS],
        "title_en": "",
        "questions": [question],
        "keywords": [],
        "answer": answer.strip(),
        "answer_en": "",
        "follow_ups": [],
        "station_types": list(ticket.station_types),
        "source": f"专员答复 (ticket {ticket.id})",
        "reviewed": today,
    }


def write_draft(knowledge_dir: Path, ticket: Ticket, answer: str, today: date) -> Path:
    """Write the draft file (a YAML list of one entry, like the FAQ files); refuses to overwrite."""
    path = draft_path(knowledge_dir, ticket.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# Knowledge draft from ticket {ticket.id}. Not live: review it (kb check lists what is missing),\n"
              "# then move the entry into knowledge/faq/<topic>.yaml without the `draft` line.\n")
    body = yaml.dump([draft_entry(ticket, answer, today)], Dumper=_BlockDumper, allow_unicode=True,
                     sort_keys=False, width=1000)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(header + body)
    return path


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
                missing = {name: STAND_IN for name in REQUIRED_TEXT if not str(raw.get(name) or "").strip()}
                if not isinstance(raw.get("reviewed"), date):
                    missing["reviewed"] = date.min
                entry, _ = entry_from({**raw, **missing}, where, index)
            if entry is not None:
                entries.append(entry)
    return entries, problems


def check_drafts(root: Path, kb: KnowledgeBase) -> list[Problem]:
    """kb check for knowledge/drafts/*.yaml: each draft checked as an entry (schema, vocabulary, facts,
    bare amounts, phrasings, ids and phrasings shared with live entries), every problem a warning."""
    from bot import kbcheck  # kbcheck lists this check: imported here to avoid the cycle

    drafts, problems = read_drafts(root)
    if not drafts:
        return [replace(p, severity=WARNING) for p in problems]
    for entry in drafts:
        problems += kbcheck._check_vocabulary(entry)  # noqa: SLF001 (kb check's own entry rules)
        problems += kbcheck._check_facts(entry, kb.facts)  # noqa: SLF001
    combined = [*kb.entries.values(), *drafts]
    files = {entry.file for entry in drafts}
    problems += [p for p in kbcheck._check_links(combined) if p.file in files]  # noqa: SLF001
    problems += [p for p in kbcheck._check_phrasings(combined, kb.normalizer) if p.file in files]  # noqa: SLF001
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
