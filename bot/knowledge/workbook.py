"""The knowledge base in Excel, for the bureau's reviewers: one sheet per topic file (a row per entry),
a `facts` sheet (a row per version of a fact) and a `synonyms` sheet (a row per word list or per key of
a mapping). Lists (phrasings, follow-ups …) are one item a line in their cell.

`export_workbook(tree)` writes a tree's workbook; `tree_from_workbook(data, base)` reads one back into a
tree: a part whose content is unchanged keeps `base`'s file as it was (comments and all), a changed part
is written as YAML, and every file the workbook does not hold (stations, groups, laws, events) is
`base`'s. Nothing is lost on the way: export then import without edits gives `base` back.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Mapping, Sequence

from bot.common.tables import Table, read_xlsx, xlsx_bytes
from bot.knowledge.base import LIST_FIELDS, Problem, read_entries, read_facts, read_laws
from bot.knowledge.facts import FactBook
from bot.knowledge.over_time import review_by
from bot.knowledge.tree import (
    ENTRY_FIELDS,
    FACT_OPTIONS,
    FACTS,
    SYNONYMS,
    VERSION_FIELDS,
    Tree,
    canonical_entries,
    canonical_entry,
    canonical_fact,
    canonical_facts,
    canonical_lexicon,
    dump_facts,
    dump_faq,
    dump_lexicon,
    faq_files,
    faq_path,
    materialized,
    topic_of,
)

REVIEW_BY = "review_by"  # computed (docs/knowledge-format.md), exported for the reviewer, never read back
ENTRY_COLUMNS = (*ENTRY_FIELDS, REVIEW_BY)
FACTS_SHEET, SYNONYMS_SHEET = "facts", "synonyms"
FACT_COLUMNS = ("name", *FACT_OPTIONS, *VERSION_FIELDS)
SYNONYM_COLUMNS = ("section", "key", "words")
ONE_WORD = ("anchors",)  # synonyms sections whose keys map to one word, not a list
DATES = ("reviewed", "valid_from", "valid_until")
FLAGS = ("article", "safe")
TRUE_WORDS = ("true", "yes", "1", "是", "对")
WORKBOOK = "workbook"  # the `file` of a problem with the workbook's layout
_SHEET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


# ---- writing --------------------------------------------------------------------------------------------

def export_workbook(tree: Tree) -> bytes:
    """The tree's entries, facts and lexicon as an .xlsx workbook."""
    return xlsx_bytes(workbook_tables(tree), text_numbers=False)


def workbook_tables(tree: Tree) -> list[Table]:
    due = review_dates(tree)
    tables = []
    for name in faq_files(tree):
        entries = canonical_entries(tree[name])
        rows = [_entry_row(entry, due.get(str(entry.get("id")))) for entry in entries if isinstance(entries, list)]
        tables.append(Table(topic_of(name), ENTRY_COLUMNS, rows))
    facts = canonical_facts(tree.get(FACTS))
    tables.append(Table(FACTS_SHEET, FACT_COLUMNS, _fact_rows(facts if isinstance(facts, dict) else {})))
    lexicon = canonical_lexicon(tree.get(SYNONYMS))
    tables.append(Table(SYNONYMS_SHEET, SYNONYM_COLUMNS, _lexicon_rows(lexicon if isinstance(lexicon, dict) else {})))
    return tables


def review_dates(tree: Tree) -> dict[str, date]:
    """Each entry's review_by (the earlier of reviewed + 12 months and the next switch of what it quotes)."""
    with materialized(tree) as root:
        entries, _ = read_entries(root)
        facts, _ = read_facts(root)
        laws, _ = read_laws(root)
    book = FactBook(facts, laws)
    return {entry.id: review_by(entry, book) for entry in entries}


def _cell(value: Any) -> Any:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else value


def _entry_row(entry: Mapping[str, Any], due: date | None) -> tuple:
    return (*(_cell(entry.get(name)) for name in ENTRY_FIELDS), due)


def _fact_rows(facts: Mapping[str, Mapping[str, Any]]) -> list[tuple]:
    rows = []
    for name, fact in facts.items():
        for version in fact["versions"]:
            values = {**{key: fact.get(key) for key in FACT_OPTIONS}, **(version if isinstance(version, Mapping) else {})}
            rows.append((name, *(values.get(column) for column in FACT_COLUMNS[1:])))
    return rows


def _lexicon_rows(lexicon: Mapping[str, Any]) -> list[tuple]:
    rows: list[tuple] = []
    for section, value in lexicon.items():
        if isinstance(value, Mapping):
            rows += [(section, key, _cell(words)) for key, words in value.items()]
        else:
            rows.append((section, None, _cell(value)))
    return rows


# ---- reading --------------------------------------------------------------------------------------------

def tree_from_workbook(data: bytes, base: Tree) -> tuple[Tree, list[Problem]]:
    """The tree the workbook describes over `base`, and what is wrong with the workbook's layout (not a
    workbook, a sheet or column missing, a sheet name that cannot be a topic file). kb check judges the
    content."""
    try:
        tables = {table.name: table for table in read_xlsx(data)}
    except ValueError as exc:
        return dict(base), [Problem(WORKBOOK, "", "file", str(exc))]
    problems = _layout_problems(tables)
    if problems:
        return dict(base), problems
    tree = {name: text for name, text in base.items() if name not in faq_files(base)}
    for name, table in tables.items():
        if name in (FACTS_SHEET, SYNONYMS_SHEET):
            continue
        entries = [canonical_entry(_entry_from_row(table.columns, row)) for row in table.rows]
        path = faq_path(name)
        tree[path] = base[path] if canonical_entries(base.get(path)) == entries else dump_faq(entries)
    facts = _facts_from_rows(tables[FACTS_SHEET])
    tree[FACTS] = base[FACTS] if canonical_facts(base.get(FACTS)) == facts else dump_facts(facts)
    lexicon = _lexicon_from_rows(tables[SYNONYMS_SHEET])
    tree[SYNONYMS] = base[SYNONYMS] if canonical_lexicon(base.get(SYNONYMS)) == lexicon else dump_lexicon(lexicon)
    return dict(sorted(tree.items())), []


def _layout_problems(tables: Mapping[str, Table]) -> list[Problem]:
    problems = [Problem(WORKBOOK, "", sheet, "sheet missing") for sheet in (FACTS_SHEET, SYNONYMS_SHEET)
                if sheet not in tables]
    for name, table in tables.items():
        expected = {FACTS_SHEET: FACT_COLUMNS, SYNONYMS_SHEET: SYNONYM_COLUMNS}.get(name, ENTRY_COLUMNS)
        if not _SHEET_NAME.match(name):
            problems.append(Problem(WORKBOOK, "", name, "a sheet name is a topic file's name: lower-case letters, "
                                                        "digits and _ (trademark)"))
        missing = [column for column in expected if column not in table.columns and column != REVIEW_BY]
        if missing:
            problems.append(Problem(WORKBOOK, "", name, f"columns missing: {', '.join(missing)}"))
    return problems


def _values(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    return {column: _read_cell(column, value) for column, value in zip(columns, row) if column}


def _read_cell(column: str, value: Any) -> Any:
    """A cell as the YAML field: lists split into lines, dates as dates, flags as booleans."""
    if isinstance(value, datetime):
        return value.date()
    if column in DATES and isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value  # kb check: not a date
    if column in FLAGS:
        return value is True or str(value).strip().lower() in TRUE_WORDS
    if column in LIST_FIELDS or column == "words":
        return [] if value is None else str(value).splitlines()
    return value


def _entry_from_row(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    """An entry from its row; a text typed as a number (a title 12315) is read as text."""
    values = _values(columns, row)
    return {name: _as_text(values.get(name)) if name not in LIST_FIELDS and name not in DATES else values.get(name)
            for name in ENTRY_FIELDS}


def _as_text(value: Any) -> Any:
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _facts_from_rows(table: Table) -> dict[str, Any]:
    """A fact from each name's rows, in order (its options from its first row)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in table.rows:
        values = _values(table.columns, row)
        grouped.setdefault(str(values.get("name") or "").strip(), []).append(values)
    facts = {}
    for name, rows in grouped.items():
        options = {key: rows[0].get(key) for key in FACT_OPTIONS}
        facts[name] = canonical_fact({**options, "versions": [{f: r.get(f) for f in VERSION_FIELDS} for r in rows]})
    return facts


def _lexicon_from_rows(table: Table) -> dict[str, Any]:
    lexicon: dict[str, Any] = {}
    for row in table.rows:
        values = _values(table.columns, row)
        section, key, words = str(values.get("section") or "").strip(), values.get("key"), values.get("words", [])
        if key is None:
            lexicon[section] = [w.strip() for w in words if w.strip()]
            continue
        one = " ".join(w.strip() for w in words if w.strip())
        lexicon.setdefault(section, {})[str(key).strip()] = one if section in ONE_WORD else [
            w.strip() for w in words if w.strip()]
    return lexicon
