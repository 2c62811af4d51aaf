"""Lists as spreadsheet downloads, CSV or XLSX, that neither run a formula nor hold the whole list in memory.

A cell that a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage return, as
OWASP's "CSV injection" page lists them) is defused: in CSV by a leading apostrophe, in XLSX by writing it as
text with Excel's own "quote prefix" mark, so the cell shows exactly what was recorded and stays text when
edited. XLSX cells are never formulas. CSV streams row by row; XLSX rows go one at a time to a temporary file
(openpyxl's write-only mode) which is then sent. Times are in the active time zone (decision record 0046).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that Excel reads a CSV file as UTF-8
CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"
# Past this a temporary file holding the workbook's rows moves from memory to disk.
SPOOL_BYTES = 1024 * 1024


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def safe_cell(value: Any) -> str:
    """The cell as CSV text, with an apostrophe before anything a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if formula_like(text) else text


def local_time(value: datetime.datetime) -> datetime.datetime:
    """``value`` in the active time zone, to the minute, without its zone (a spreadsheet has none)."""
    return timezone.localtime(value).replace(second=0, microsecond=0, tzinfo=None)


def csv_text(value: Any) -> str:
    """A value as a CSV cell: times as ISO 8601 in the active time zone ("2026-12-06 14:05"), text defused."""
    if isinstance(value, datetime.datetime):
        return local_time(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_cell(value)


def download_name(stem: str, fmt: str) -> str:
    """ "incidents-2026-12-06.xlsx": what, and today's date in the active time zone."""
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"


class _Echo:
    """A file that hands back what is written, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header and the rows as CSV lines, the first with the BOM; each cell through ``csv_text``."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([csv_text(value) for value in row])


def csv_download(*, stem: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """The rows as a CSV attachment, streamed: a row is read, written and sent before the next."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CONTENT_TYPES[CSV])
    response["Content-Disposition"] = f'attachment; filename="{download_name(stem, CSV)}"'
    return response


def _xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=local_time(value))
        cell.number_format = XLSX_TIME_FORMAT
        return cell
    if isinstance(value, bool | int | float | datetime.date) or value is None:
        return WriteOnlyCell(sheet, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl makes text starting with "=" a formula; this never is one
    if formula_like(text):
        cell.quotePrefix = True  # Excel's mark of text typed with an apostrophe: shown as is, kept as text
    return cell


def xlsx_file(*, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Any:
    """The rows as an XLSX workbook of one sheet in a temporary file (rewound), the header bold and frozen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=ILLEGAL_CHARACTERS_RE.sub("", title)[:31] or "Sheet")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = _xlsx_cell(sheet, name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    workbook.save(file)
    file.seek(0)
    return file


def xlsx_download(*, stem: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> FileResponse:
    """The rows as an XLSX attachment; the workbook is built row by row in a temporary file, then sent from it."""
    file = xlsx_file(title=title, header=header, rows=rows)
    return FileResponse(file, as_attachment=True, filename=download_name(stem, XLSX), content_type=CONTENT_TYPES[XLSX])


def spreadsheet_download(
    fmt: str, *, stem: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    """The rows as a download in ``fmt`` (one of ``FORMATS``; ``ValueError`` for any other)."""
    if fmt == CSV:
        return csv_download(stem=stem, header=header, rows=rows)
    if fmt == XLSX:
        return xlsx_download(stem=stem, title=title, header=header, rows=rows)
    raise ValueError(f"unknown spreadsheet format {fmt!r}")
