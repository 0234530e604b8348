"""Tables for people with spreadsheets: CSV files that Excel on Chinese Windows opens without garbling
(UTF-8 with a byte-order mark) and one .xlsx workbook with a sheet per table, read back by `read_xlsx`.

The report command writes files with `write_tables`; a web page serves `csv_bytes` / `xlsx_bytes`; the
knowledge base's Excel round trip (bot/knowledge/workbook.py) writes and reads its sheets here too.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

CSV_ENCODING = "utf-8-sig"  # the BOM tells Excel the file is UTF-8, not the ANSI code page (GBK)
# A count or share written as text; not "0599…" (a phone number) nor 16+ digits (Excel keeps 15).
NUMBER = re.compile(r"-?(0|[1-9]\d{0,14})(\.\d{1,6})?")
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Table:
    """A named table: its header and rows of plain values (str, int, float)."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple]


def csv_bytes(table: Table) -> bytes:
    """The table as a CSV file's bytes (header first, UTF-8 with BOM)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return buffer.getvalue().encode(CSV_ENCODING)


def cell_value(value: object) -> object:
    """A value as a spreadsheet cell: numbers written as text ("0.5000") become numbers."""
    if isinstance(value, str) and NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    return value


def _width(values: Sequence[object]) -> float:
    """A column width that fits its longest cell (a CJK character counts twice), capped."""
    longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v)) for v in values)
    return min(longest + 2, MAX_COLUMN_WIDTH)


def xlsx_bytes(tables: Sequence[Table], text_numbers: bool = True) -> bytes:
    """One workbook, a sheet per table (named after it), header bold and frozen. With `text_numbers`,
    numbers written as text become numbers (`cell_value`); without, every cell keeps its type. A text
    starting with = stays text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty sheet a new workbook starts with
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([cell_value(value) if text_numbers else value for value in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if cell.data_type == "f":  # a text such as "=3" is written as openpyxl's formula
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(zip(table.columns, *table.rows), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _width(column)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xlsx(data: bytes) -> list[Table]:
    """Every sheet of a workbook as a Table: the first row its header, the rows after it with their cells'
    values (None for an empty cell); rows with no value at all are left out. ValueError for a file that
    is not a workbook."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as exc:
        raise ValueError(f"not an Excel workbook (.xlsx): {exc}") from None
    tables = []
    for sheet in workbook.worksheets:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
        header = tuple(str(name).strip() if name is not None else "" for name in rows[0]) if rows else ()
        tables.append(Table(sheet.title, header, rows[1:]))
    workbook.close()
    return tables


def write_tables(tables: Sequence[Table], folder: Path, workbook: str) -> list[Path]:
    """Write `<name>.csv` for each table and the workbook `workbook` (e.g. report.xlsx) into `folder`."""
    paths = []
    for table in tables:
        path = folder / f"{table.name}.csv"
        path.write_bytes(csv_bytes(table))
        paths.append(path)
    path = folder / workbook
    path.write_bytes(xlsx_bytes(tables))
    return [*paths, path]
