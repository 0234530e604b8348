"""Drafting: a specialist's answer to a ticket written as a knowledge draft (knowledge/drafts/, read and
checked by bot/knowledge/drafts.py; never live until a reviewer publishes it)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from bot.handoff.tickets import Ticket
from bot.knowledge.drafts import DRAFTS_DIR

TITLE_CHARS = 40


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
