"""A knowledge tree: every file of a knowledge base (facts.yaml, faq/trademark.yaml …) by its path, as
text. It is what a published version holds (bot/knowledge/versions.py) and what the Excel round trip
edits (bot/knowledge/workbook.py).

The entries, facts and lexicon of a tree have a canonical form (what the bot reads, without comments,
layout or the YAML form chosen), so that a change is compared by what it changes (`diff_trees`) and a
part written back as YAML only when it really changed (`dump_faq`, `dump_facts`, `dump_lexicon`).
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from bot.knowledge.base import LIST_FIELDS, SAFE_LOADER
from bot.knowledge.facts import TODAY

Tree = dict[str, str]  # path under knowledge/ ("faq/trademark.yaml") → the file's YAML text

FAQ_DIR = "faq/"
FACTS = "facts.yaml"
SYNONYMS = "synonyms.yaml"
NOT_PUBLISHED = ("drafts/",)  # specialists' drafts stay files until a reviewer moves them into faq/
ROOT_NAME = "knowledge"  # a tree written out for kb check is read from <temporary folder>/knowledge

# An entry's fields in the order they are written; the lists always written, even when empty.
ENTRY_FIELDS = (
    "id", "topic", "group", "title", "title_en", "questions", "keywords", "negatives", "answer", "answer_en",
    "follow_ups", "station_types", "source", "source_en", "cites", "reviewed",
)
ALWAYS_LISTS = ("questions", "keywords", "follow_ups", "station_types")
FACT_OPTIONS = ("applies_by", "article")
VERSION_FIELDS = ("value", "value_en", "unit", "unit_en", "law", "valid_from", "valid_until", "safe", "source",
                  "reviewed")


# ---- files ----------------------------------------------------------------------------------------------

def read_tree(root: Path) -> Tree:
    """Every YAML file under `root` (drafts left out), by its path under `root`."""
    tree = {}
    for path in sorted(root.rglob("*.yaml")):
        name = path.relative_to(root).as_posix()
        if not name.startswith(NOT_PUBLISHED):
            tree[name] = path.read_text(encoding="utf-8")
    return tree


def write_tree(tree: Tree, root: Path) -> None:
    """Write every file of the tree under `root` (created when missing)."""
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@contextmanager
def materialized(tree: Tree) -> Iterator[Path]:
    """The tree written to a temporary knowledge/ folder (what kb check reads), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kb-") as folder:
        root = Path(folder) / ROOT_NAME
        root.mkdir()
        write_tree(tree, root)
        yield root


def faq_files(tree: Mapping[str, str]) -> list[str]:
    return sorted(name for name in tree if name.startswith(FAQ_DIR))


def topic_of(name: str) -> str:
    """faq/trademark.yaml → trademark."""
    return name[len(FAQ_DIR):].removesuffix(".yaml")


def faq_path(topic: str) -> str:
    return f"{FAQ_DIR}{topic}.yaml"


def parsed(text: str | None) -> Any:
    """A file's YAML data (None when it is absent or not YAML: kb check says why)."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER) if text is not None else None
    except yaml.YAMLError:
        return None


# ---- canonical forms ------------------------------------------------------------------------------------

def _given(value: Any) -> bool:
    """Whether a field says something (0 does; None, "", [], False do not)."""
    return value is not None and value is not False and value != "" and value != []


def _words(value: Any) -> Any:
    """A list of words or phrasings as stripped texts (anything else as it is: kb check says why)."""
    if not isinstance(value, list):
        return value.strip() if isinstance(value, str) else value
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _plain(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def canonical_entry(raw: Any) -> dict[str, Any]:
    """An entry as the bot reads it: the known fields that say something, texts stripped."""
    if not isinstance(raw, Mapping):
        return {"id": "", "entry": raw}
    entry = {name: _words(raw.get(name)) if name in LIST_FIELDS else _plain(raw.get(name)) for name in ENTRY_FIELDS}
    return {name: value for name, value in entry.items() if _given(value)}


def canonical_entries(text: str | None) -> list[dict[str, Any]] | Any:
    data = parsed(text)
    return [canonical_entry(raw) for raw in data] if isinstance(data, list) else data


def canonical_fact(raw: Any) -> dict[str, Any]:
    """A fact in one form whichever YAML form it was written in: its options, then its versions."""
    options = raw if isinstance(raw, Mapping) else {}
    items = options.get("versions") if "versions" in options else [raw] if options else raw
    fact: dict[str, Any] = {}
    if _given(options.get("applies_by")) and options.get("applies_by") != TODAY:
        fact["applies_by"] = _plain(options["applies_by"])
    if options.get("article") is True:
        fact["article"] = True
    fact["versions"] = [
        {name: _plain(item[name]) for name in VERSION_FIELDS if _given(_plain(item.get(name)))}
        if isinstance(item, Mapping) else item
        for item in (items if isinstance(items, list) else [items])
    ]
    return fact


def canonical_facts(text: str | None) -> dict[str, Any] | Any:
    data = parsed(text)
    return {str(name): canonical_fact(raw) for name, raw in data.items()} if isinstance(data, dict) else data


def canonical_lexicon(text: str | None) -> dict[str, Any] | Any:
    """synonyms.yaml: each section a list of words, or a mapping of keys to words (or to one word)."""
    data = parsed(text)
    if not isinstance(data, dict):
        return data
    return {
        str(section): {str(k): _words(v) for k, v in value.items()} if isinstance(value, Mapping) else _words(value)
        for section, value in data.items()
    }


# ---- writing back ---------------------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Multi-line texts as literal blocks (an answer reads as written), everything in UTF-8."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _dump(data: Any, flow: bool | None) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=flow)


def dump_faq(entries: list[dict[str, Any]]) -> str:
    """A topic file from canonical entries (fields in their usual order, the usual lists even when empty)."""
    written = [
        {name: entry.get(name, []) for name in ENTRY_FIELDS if name in entry or name in ALWAYS_LISTS}
        for entry in entries
    ]
    return _dump(written, False)


def dump_facts(facts: Mapping[str, dict[str, Any]]) -> str:
    """facts.yaml from canonical facts: a fact of one version as a plain mapping, else with `versions:`."""
    data = {}
    for name, fact in facts.items():
        options = {key: fact[key] for key in FACT_OPTIONS if key in fact}
        versions = fact["versions"]
        data[name] = {**options, **versions[0]} if len(versions) == 1 else {**options, "versions": versions}
    return _dump(data, False)


def dump_lexicon(lexicon: Mapping[str, Any]) -> str:
    """synonyms.yaml from its canonical form (word lists on one line each)."""
    return _dump(dict(lexicon), None)


# ---- what changed ---------------------------------------------------------------------------------------

ENTRY, FACT, LEXICON, FILE = "entry", "fact", "synonyms", "file"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class FieldChange:
    """One field's text before and after (lists one item a line; for a word list, the words removed
    and the words added)."""

    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    """One entry, fact, lexicon section or other file added, removed or changed."""

    kind: str  # entry, fact, synonyms, file
    key: str  # the entry's id, the fact's name, the lexicon's section (synonyms.商标), the file's path
    action: str  # added, removed, changed
    fields: tuple[FieldChange, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        fields = tuple(FieldChange(**field) for field in data.get("fields", ()))
        return cls(data["kind"], data["key"], data["action"], fields)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_shown(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    names = list(dict.fromkeys([*before, *after]))
    return tuple(FieldChange(n, _shown(before.get(n)), _shown(after.get(n))) for n in names
                 if before.get(n) != after.get(n))


def _keyed(kind: str, before: Mapping[str, Any], after: Mapping[str, Any], fields: Any) -> list[Change]:
    """Changes between two mappings of items (entries by id, facts by name …), in the new order."""
    changes = [Change(kind, key, ADDED, fields({}, after[key])) if key not in before
               else Change(kind, key, CHANGED, fields(before[key], after[key]))
               for key in after if key not in before or before[key] != after[key]]
    return changes + [Change(kind, key, REMOVED, fields(before[key], {})) for key in before if key not in after]


def entries_of(tree: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Every entry of the tree by id (the first of a repeated id: kb check refuses the rest)."""
    entries: dict[str, dict[str, Any]] = {}
    for name in faq_files(tree):
        data = canonical_entries(tree[name])
        for entry in data if isinstance(data, list) else []:
            entries.setdefault(str(entry.get("id", "")), entry)
    return entries


def _fact_fields(fact: Mapping[str, Any]) -> dict[str, Any]:
    """A fact's fields flat: its options, then each version's (v2.value when it has several)."""
    versions = fact.get("versions") or []
    flat = {key: fact[key] for key in FACT_OPTIONS if key in fact}
    for number, version in enumerate(versions, start=1):
        prefix = f"v{number}." if len(versions) > 1 else ""
        flat.update({prefix + name: value for name, value in (version.items() if isinstance(version, Mapping) else [])})
    return flat


def _fact_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    return _field_changes(_fact_fields(before) if before else {}, _fact_fields(after) if after else {})


def lexicon_items(lexicon: Any) -> dict[str, Any]:
    """The lexicon flat: a word list by its section, a mapping's words by section.key (synonyms.商标)."""
    if not isinstance(lexicon, Mapping):
        return {}
    items: dict[str, Any] = {}
    for section, value in lexicon.items():
        if isinstance(value, Mapping):
            items.update({f"{section}.{key}": words for key, words in value.items()})
        else:
            items[section] = value
    return items


def _word_changes(before: Any, after: Any) -> tuple[FieldChange, ...]:
    """The words removed and the words added (a changed single word: before and after)."""
    if isinstance(before, list) or isinstance(after, list):
        old, new = before if isinstance(before, list) else [], after if isinstance(after, list) else []
        removed, added = [w for w in old if w not in new], [w for w in new if w not in old]
        return (FieldChange("words", "\n".join(removed), "\n".join(added)),) if removed or added else (
            FieldChange("order", "", ""),)
    return (FieldChange("word", _shown(before), _shown(after)),)


def diff_trees(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """What publishing `new` over `old` changes: entries, facts and lexicon words by what the bot reads;
    other files (stations, groups, laws, events) by their text. When none of that differs but a file's
    text does (a comment), that file."""
    facts_before, facts_after = canonical_facts(old.get(FACTS)), canonical_facts(new.get(FACTS))
    changes = [
        *_keyed(ENTRY, entries_of(old), entries_of(new), _field_changes),
        *_keyed(FACT, facts_before if isinstance(facts_before, dict) else {},
                facts_after if isinstance(facts_after, dict) else {}, _fact_changes),
        *_keyed(LEXICON, lexicon_items(canonical_lexicon(old.get(SYNONYMS))),
                lexicon_items(canonical_lexicon(new.get(SYNONYMS))), _word_changes),
    ]
    semantic = {FACTS, SYNONYMS, *faq_files(old), *faq_files(new)}
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name) and (name not in semantic or not changes):
            action = ADDED if name not in old else REMOVED if name not in new else CHANGED
            changes.append(Change(FILE, name, action))
    return changes


SIGNS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}


def changes_text(changes: list[Change]) -> list[str]:
    """The changes as lines for a terminal or a page: `~ entry tm_fee: answer`, then the old and new text
    of each field changed, indented and marked - and +."""
    lines = []
    for change in changes:
        names = ", ".join(f.name for f in change.fields) if change.action == CHANGED else ""
        lines.append(f"{SIGNS[change.action]} {change.kind} {change.key}" + (f": {names}" if names else ""))
        if change.action != CHANGED:
            continue
        for field in change.fields:
            lines += [f"    - {line}" for line in field.before.splitlines()]
            lines += [f"    + {line}" for line in field.after.splitlines()]
    return lines
