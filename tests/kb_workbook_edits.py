"""Editing an exported knowledge workbook the way a reviewer does in Excel (tests' helper)."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook


def edit_cell(data: bytes, sheet: str, key: str, column: str, value: Any, version: int = 1) -> bytes:
    """The workbook with `column` of the row whose first cell is `key` (its `version`-th such row) set."""
    book = load_workbook(io.BytesIO(data))
    rows = book[sheet]
    header = [cell.value for cell in rows[1]]
    matching = [row for row in rows.iter_rows(min_row=2) if row[0].value == key]
    matching[version - 1][header.index(column)].value = value
    return _saved(book)


def cell(data: bytes, sheet: str, key: str, column: str) -> Any:
    book = load_workbook(io.BytesIO(data))
    header = [c.value for c in book[sheet][1]]
    return next(row[header.index(column)].value for row in book[sheet].iter_rows(min_row=2) if row[0].value == key)


def append_row(data: bytes, sheet: str, values: dict[str, Any]) -> bytes:
    """The workbook with one more row in `sheet` (columns by name, the others empty)."""
    book = load_workbook(io.BytesIO(data))
    header = [c.value for c in book[sheet][1]]
    book[sheet].append([values.get(name) for name in header])
    return _saved(book)


def drop_sheet(data: bytes, sheet: str) -> bytes:
    book = load_workbook(io.BytesIO(data))
    book.remove(book[sheet])
    return _saved(book)


def _saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
