"""The knowledge base: FAQ entries, facts and the matching lexicon, read from knowledge/*.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.facts import Fact, FactBook, Law, parse_fact, parse_laws
from bot.language.normalize import Lexicon, Normalizer

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the knowledge base, located by file, entry id and field."""

    file: str
    entry: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        label = "" if self.severity == "error" else f"{self.severity}: "
        return f"{label}{self.file}: {self.entry or '-'}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    title: str
    questions: tuple[str, ...]
    answer: str
    answer_en: str
    source: str
    reviewed: date
    title_en: str = ""
    keywords: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    station_types: tuple[str, ...] = ()
    source_en: str = ""
    cites: tuple[str, ...] = ()  # law versions (knowledge/laws.yaml) whose article numbers the answer quotes
    file: str = ""
    group: str = ""  # its menu group (knowledge/groups.yaml)

    def title_in(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry]
    facts: FactBook
    lexicon: Lexicon
    normalizer: Normalizer
    directory: Path
    extras: dict[str, Any] = field(default_factory=dict)  # other files (stations, events) by name
    version: int | None = None  # the published version it was read from (None: knowledge/ on disk)


REQUIRED_TEXT = ("id", "topic", "title", "answer", "answer_en", "source")
LIST_FIELDS = ("questions", "keywords", "negatives", "follow_ups", "station_types", "cites")


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_yaml(path: Path, root: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER), []
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        return None, [Problem(_relative(path, root), "", "file", f"cannot read: {reason}")]
    except (OSError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Problem(_relative(path, root), "", "file", f"cannot read: {reason}")]


def valid_id(value: Any) -> bool:
    """The one id rule of every knowledge file (entries, stations, events): lower-case snake case."""
    return isinstance(value, str) and bool(_ID.match(value))


def entry_from(raw: Any, where: str, index: int) -> tuple[Entry | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(where, f"#{index + 1}", "entry", "not a mapping")]
    entry_id = str(raw.get("id") or f"#{index + 1}")
    problems = [
        Problem(where, entry_id, name, "missing")
        for name in REQUIRED_TEXT
        if not isinstance(raw.get(name), str) or not raw[name].strip()
    ]
    if "id" in raw and not valid_id(raw["id"]):
        problems.append(Problem(where, entry_id, "id", "use lower-case letters, digits and _"))
    for name in LIST_FIELDS:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(where, entry_id, name, "must be a list of strings"))
    if not isinstance(raw.get("reviewed"), date):
        problems.append(Problem(where, entry_id, "reviewed", "missing or not a date (YYYY-MM-DD)"))
    if problems:
        return None, problems
    return (
        Entry(
            id=raw["id"],
            topic=raw["topic"],
            title=raw["title"].strip(),
            title_en=str(raw.get("title_en") or "").strip(),
            questions=tuple(raw.get("questions", [])),
            keywords=tuple(raw.get("keywords", [])),
            negatives=tuple(raw.get("negatives", [])),
            answer=raw["answer"].strip(),
            answer_en=raw["answer_en"].strip(),
            follow_ups=tuple(raw.get("follow_ups", [])),
            station_types=tuple(raw.get("station_types", [])),
            source=raw["source"].strip(),
            source_en=str(raw.get("source_en") or "").strip(),
            cites=tuple(raw.get("cites", [])),
            reviewed=raw["reviewed"],
            file=where,
            group=str(raw.get("group") or ""),
        ),
        [],
    )


def read_entries(root: Path) -> tuple[list[Entry], list[Problem]]:
    """All entries of knowledge/faq/*.yaml, in file order, with schema problems."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    files = sorted((root / "faq").glob("*.yaml"))
    if not files:
        problems.append(Problem(_relative(root / "faq", root), "", "file", "no FAQ files found"))
    for path in files:
        where = _relative(path, root)
        data, file_problems = read_yaml(path, root)
        problems += file_problems
        if data is None and not file_problems:
            continue
        if not isinstance(data, list) and not file_problems:
            problems.append(Problem(where, "", "file", "must be a YAML list of entries"))
            continue
        for index, raw in enumerate(data or []):
            entry, entry_problems = entry_from(raw, where, index)
            problems += entry_problems
            if entry:
                entries.append(entry)
    return entries, problems


def read_facts(root: Path) -> tuple[dict[str, Fact], list[Problem]]:
    """knowledge/facts.yaml as Fact objects, with problems."""
    path = root / "facts.yaml"
    where = _relative(path, root)
    if not path.exists():
        return {}, []
    data, problems = read_yaml(path, root)
    if data is None:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [Problem(where, "", "file", "must be a mapping of fact names")]
    facts: dict[str, Fact] = {}
    for name, raw in data.items():
        fact, messages = parse_fact(str(name), raw)
        problems += [Problem(where, str(name), *m.split(": ", 1)) for m in messages]
        if fact:
            facts[str(name)] = fact
    return facts, problems


def read_laws(root: Path) -> tuple[dict[str, Law], list[Problem]]:
    """knowledge/laws.yaml: the versions of the laws facts cite, with their dates (none: no laws)."""
    path = root / "laws.yaml"
    if not path.exists():
        return {}, []
    data, problems = read_yaml(path, root)
    if data is None:
        return {}, problems
    laws, messages = parse_laws(data)
    return laws, problems + [Problem(_relative(path, root), law_id, *m.split(": ", 1)) for law_id, m in messages]


LEXICON_LISTS = (
    "domain_words", "fillers", "stopwords", "followup_markers", "followup_endings", "off_topic_words",
    "handoff_words", "aspects", "subjects",
)
LEXICON_MAPPINGS = ("synonyms", "anchors")


def lexicon_shape(data: dict, where: str) -> list[Problem]:
    """A word list written as one word (`handoff_words: 转人工`) would be read letter by letter."""
    return [
        Problem(where, "", key, f"must be a {'list of words' if key in LEXICON_LISTS else 'mapping'}")
        for key, kind in [*((k, list) for k in LEXICON_LISTS), *((k, dict) for k in LEXICON_MAPPINGS)]
        if data.get(key) is not None and not isinstance(data[key], kind)
    ]


def read_lexicon(root: Path) -> tuple[Lexicon, list[Problem]]:
    path = root / "synonyms.yaml"
    data, problems = read_yaml(path, root)
    if not isinstance(data, dict):
        return Lexicon(), problems or [Problem(_relative(path, root), "", "file", "must be a mapping")]
    shape = lexicon_shape(data, _relative(path, root))
    return (Lexicon(), shape) if shape else (Lexicon.from_mapping(data), problems)
