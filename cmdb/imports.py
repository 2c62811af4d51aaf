"""Loading the CMDB from spreadsheets: reading a CSV file and importing its rows, each with a message when refused.

Each kind has an ``Importer``: its columns (the template's header), its natural key and how a row maps onto
the model; importing the same file twice creates nothing new (decision record 0012)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from cmdb.importers import IMPORTERS, Errors, Importer, Lookups, RowInvalid, User

logger = logging.getLogger(__name__)

# Uploads larger than this are refused before they are read (the command line has no limit).
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportRefused(Exception):
    """The file as a whole cannot be imported (not UTF-8, not CSV, wrong header): nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowError(NamedTuple):
    """A refused row: its line as a spreadsheet shows it (the header is line 1) and why."""

    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did: how many records it created, updated or found unchanged, and the refused rows."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def refused(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def label(self) -> str:
        return str(IMPORTERS[self.kind].label)


def importer_for(kind: str) -> Importer:
    """The importer of ``kind``; raises ``ImportRefused`` for a kind that cannot be imported."""
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise ImportRefused(
            gettext("“%(kind)s” cannot be imported; choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(IMPORTERS)}
        ) from None


def read_csv(data: bytes | str | IO[bytes] | IO[str]) -> list[list[str]]:
    """The records of a CSV file in UTF-8 (with or without the BOM Excel writes), separated by , ; or tab.

    Raises ``ImportRefused`` when the file is not UTF-8 text or not CSV.
    """
    if hasattr(data, "read"):
        if getattr(data, "seekable", lambda: False)():
            data.seek(0)
        data = data.read()
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportRefused(
                gettext(
                    "The file is not UTF-8 text (byte %(position)s cannot be read). "
                    "In Excel save it as “CSV UTF-8 (comma delimited)”; elsewhere choose the UTF-8 character set."
                )
                % {"position": error.start + 1}
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    # Excel writes ; instead of , where the decimal separator is a comma: the header tells which it is.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise ImportRefused(gettext("The file could not be read as CSV: %(reason)s.") % {"reason": error}) from None


def _check_header(importer: Importer, names: Iterable[str]) -> list[str]:
    header = [name.strip().lower() for name in names]
    while header and not header[-1]:  # spreadsheets may write empty columns after the last one
        header.pop()
    expected = importer.header
    if not any(header):
        raise ImportRefused(gettext("The file is empty: its first line must name the columns."))
    problems = []
    unknown = [name or gettext("(empty)") for name in header if name not in expected]
    missing = [name for name in expected if name not in header]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if unknown:
        problems.append(gettext("unknown columns: %(names)s") % {"names": ", ".join(unknown)})
    if missing:
        problems.append(gettext("missing columns: %(names)s") % {"names": ", ".join(missing)})
    if repeated:
        problems.append(gettext("columns named twice: %(names)s") % {"names": ", ".join(repeated)})
    if problems:
        raise ImportRefused(
            gettext("The first line must name the columns of %(kind)s (%(columns)s), but it has %(problems)s.")
            % {"kind": str(importer.label).lower(), "columns": ", ".join(expected), "problems": "; ".join(problems)}
        )
    return header


def _clean_cell(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def _records(importer: Importer, rows: Any) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line, row) pairs; a row is None when it has more cells than the header."""
    if isinstance(rows, bytes | bytearray | str) or hasattr(rows, "read"):
        records = read_csv(rows)
        if not records:
            raise ImportRefused(gettext("The file is empty: its first line must name the columns."))
        header = _check_header(importer, records[0])
        for line, cells in enumerate(records[1:], start=2):
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                yield line, None
                continue
            yield line, {name: _clean_cell(cell) for name, cell in zip(header, cells, strict=False)}
        return
    rows = list(rows)
    if rows:
        _check_header(importer, rows[0].keys())
    for line, row in enumerate(rows, start=2):
        yield line, {str(name).strip().lower(): _clean_cell(value) for name, value in row.items()}


@transaction.atomic
def import_rows(
    *,
    kind: str,
    rows: Iterable[Mapping[str, str]] | bytes | str | IO[bytes] | IO[str],
    by: User | None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a CSV file (bytes, a file, or rows as dicts) of ``kind`` into the CMDB.

    Each row is matched on its natural key: a known record is updated (or counted unchanged), a new one
    created. Every row is validated by the model (``full_clean``) and written in its own savepoint, so a
    refused row leaves nothing behind while the good rows are imported; the report lists each refused
    row with its line number (the header is line 1) and the model's reasons. ``dry_run`` validates and
    counts everything, then rolls it all back.

    Raises ``ImportRefused``, importing nothing, for an unknown kind, a file that is not UTF-8 CSV or a
    header that does not name exactly the template's columns.
    """
    importer = importer_for(kind)
    report = ImportReport(kind=kind, dry_run=dry_run)
    lookups = Lookups()
    seen: dict[Any, int] = {}
    for line, row in _records(importer, rows):
        if row is None:
            report.errors.append(RowError(line, gettext("This row has more cells than the header has columns.")))
            continue
        if not any(row.values()):
            continue
        for name in importer.header:
            row.setdefault(name, "")
        try:
            with transaction.atomic():
                outcome, key = _import_row(importer, row, lookups, seen)
        except RowInvalid as invalid:
            report.errors.append(RowError(line, invalid.message))
            continue
        except IntegrityError as error:
            reason = str(error).strip().splitlines()[0]
            message = gettext("The database refused the row: %(reason)s") % {"reason": reason}
            report.errors.append(RowError(line, message))
            continue
        seen[key] = line
        setattr(report, outcome, getattr(report, outcome) + 1)
    logger.info(
        "CMDB import of %s by %s%s: %d created, %d updated, %d unchanged, %d refused",
        kind,
        getattr(by, "username", None) or "the command line",
        " (dry run)" if dry_run else "",
        report.created,
        report.updated,
        report.unchanged,
        report.refused,
    )
    if dry_run:
        transaction.set_rollback(True)
    return report


def _import_row(importer: Importer, row: Mapping[str, str], lookups: Lookups, seen: dict[Any, int]) -> tuple[str, Any]:
    errors: Errors = {}
    instance = importer.find(row, lookups, errors)
    if errors:
        raise RowInvalid(_message(importer, errors))
    if instance is not None and instance.pk in seen:
        raise RowInvalid(importer.repeated(seen[instance.pk]))
    created = instance is None
    if created:
        instance = importer.model()
    before = [getattr(instance, name) for name in importer.fields]
    importer.apply(instance, row, lookups, errors)
    if not created and not errors and [getattr(instance, name) for name in importer.fields] == before:
        return "unchanged", instance.pk
    # Fields whose names did not resolve are reported already; the model checks the others.
    exclude = [f.name for f in importer.model._meta.fields if importer.column_for(f.name) in errors]
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            column = NON_FIELD_ERRORS if name == NON_FIELD_ERRORS else importer.column_for(name)
            errors.setdefault(column, []).extend(messages)
    if errors:
        raise RowInvalid(_message(importer, errors))
    instance.save()
    importer.saved(instance, lookups)
    return ("created" if created else "updated"), instance.pk


def _message(importer: Importer, errors: Errors) -> str:
    order = {name: index for index, name in enumerate([NON_FIELD_ERRORS, *importer.header])}
    parts = []
    for column in sorted(errors, key=lambda name: order.get(name, len(order))):
        for message in errors[column]:
            parts.append(message if column == NON_FIELD_ERRORS else f"{column}: {message}")
    return " ".join(parts)
