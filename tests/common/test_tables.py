"""bot/common/tables.py: the CSV bytes Excel reads as UTF-8, and the workbook's cells."""
from __future__ import annotations

import codecs
import csv
import io

import pytest
from openpyxl import load_workbook

from bot.common.tables import Table, cell_value, csv_bytes, read_xlsx, xlsx_bytes

TABLE = Table("gaps", ("rank", "example", "share"), [(1, "商标, 怎么\"注册\"", "0.5000"), (2, "0599-1234567", "")])


def test_csv_starts_with_the_bom_and_reads_back() -> None:
    data = csv_bytes(TABLE)
    assert data.startswith(codecs.BOM_UTF8)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["rank", "example", "share"], ["1", "商标, 怎么\"注册\"", "0.5000"], ["2", "0599-1234567", ""]]


@pytest.mark.parametrize(("written", "cell"), [
    ("0.5000", 0.5), ("12", 12), ("-3", -3), ("0", 0), ("12315", 12315),
    ("0599", "0599"), ("2026-11", "2026-11"), ("1234567890123456", "1234567890123456"), ("#3", "#3"),
    ("", ""),
])
def test_counts_and_shares_become_numbers_and_nothing_else_does(written: str, cell: object) -> None:
    assert cell_value(written) == cell and type(cell_value(written)) is type(cell)


def test_workbook_has_a_sheet_per_table_in_order() -> None:
    other = Table("decisions", ("decision", "count"), [("answer", 5)])
    workbook = load_workbook(io.BytesIO(xlsx_bytes([TABLE, other])), read_only=True)
    assert workbook.sheetnames == ["gaps", "decisions"]
    assert list(workbook["gaps"].iter_rows(values_only=True)) == [
        ("rank", "example", "share"), (1, "商标, 怎么\"注册\"", 0.5), (2, "0599-1234567", None)]


def test_a_workbook_reads_back_with_its_types_and_text_stays_text() -> None:
    table = Table("facts", ("name", "value", "note"), [("a", 270, "=1+1"), ("b", "15", "两行\n文字"), ("c", None, "")])
    [back] = read_xlsx(xlsx_bytes([table], text_numbers=False))
    assert back.name == "facts" and back.columns == table.columns
    assert back.rows == [("a", 270, "=1+1"), ("b", "15", "两行\n文字"), ("c", None, None)]


def test_a_file_that_is_not_a_workbook_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not an Excel workbook"):
        read_xlsx(b"id,title\n1,x\n")
