"""Spreadsheet downloads: every cell a spreadsheet would run is defused, in CSV and in XLSX."""

from __future__ import annotations

import io

import openpyxl
import pytest

from servicedesk.spreadsheets import csv_lines, spreadsheet_download, xlsx_file

DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_csv_cells_that_start_like_a_formula_get_an_apostrophe():
    lines = list(csv_lines(["text"], [[value] for value in [*DANGEROUS, "plain", "a=b", None, 3]]))

    assert lines[0] == "\ufefftext\r\n"
    assert lines[1:] == [
        "'=1+2\r\n", "'+1\r\n", "'-1\r\n", "'@SUM(A1)\r\n", "'\tcmd\r\n", "\"'\rcmd\"\r\n",
        "plain\r\n", "a=b\r\n", "\"\"\r\n", "3\r\n",
    ]  # fmt: skip


def test_xlsx_cells_are_text_marked_as_typed_with_an_apostrophe_never_formulas():
    file = xlsx_file(title="Cells", header=["text"], rows=[[value] for value in [*DANGEROUS, "plain", 3]])

    sheet = openpyxl.load_workbook(file).active

    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == [*DANGEROUS, "plain", 3]
    assert [cell.data_type for cell in cells] == ["s"] * 7 + ["n"]
    assert [cell.quotePrefix for cell in cells] == [True] * 6 + [False, False]
    assert sheet.title == "Cells"


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    file = xlsx_file(title="Cells", header=["text"], rows=[["bell\x07 and null\x00"]])

    assert openpyxl.load_workbook(file).active["A2"].value == "bell and null"


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="pdf"):
        spreadsheet_download("pdf", stem="x", title="x", header=[], rows=[])


def test_the_workbook_is_a_zip_named_for_excel():
    response = spreadsheet_download("xlsx", stem="incidents", title="Incidents", header=["a"], rows=[["b"]])

    data = b"".join(response.streaming_content)
    assert data[:2] == b"PK"
    assert openpyxl.load_workbook(io.BytesIO(data)).active["A2"].value == "b"
