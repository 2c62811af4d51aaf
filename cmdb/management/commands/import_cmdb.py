"""``manage.py import_cmdb KIND FILE.csv``: load locations, contacts, CIs or relationships from CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext, ngettext

from cmdb.importers import IMPORTERS
from cmdb.imports import ImportRefused, import_rows

# Exit statuses: 1 when rows were refused (the good rows are imported), 2 when nothing could be imported.
ROWS_REFUSED = 1
FILE_REFUSED = 2


class Command(BaseCommand):
    help = (
        "Import a CSV file into the CMDB. Rows are matched on their natural key, so importing a file again "
        "creates no duplicates. Exit status 1 when rows were refused, 2 when the file was."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(IMPORTERS), help="What the file holds.")
        parser.add_argument("file", type=Path, help="The CSV file, UTF-8, with the template's header.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, then change nothing.")

    def handle(self, *args: Any, kind: str, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(
                gettext("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror or error},
                returncode=FILE_REFUSED,
            ) from None
        try:
            report = import_rows(kind=kind, rows=data, by=None, dry_run=dry_run)
        except ImportRefused as refused:
            raise CommandError(refused.message, returncode=FILE_REFUSED) from None
        summary = gettext("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "label": report.label,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if dry_run:
            summary = gettext("Dry run, nothing changed. %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
        for error in report.errors:
            self.stderr.write(gettext("line %(line)d: %(reason)s") % {"line": error.line, "reason": error.message})
        if report.errors:
            if dry_run:
                message = ngettext(
                    "%(count)d row would be refused.", "%(count)d rows would be refused.", report.refused
                )
            else:
                message = ngettext(
                    "%(count)d row was refused; the others were imported.",
                    "%(count)d rows were refused; the others were imported.",
                    report.refused,
                )
            raise CommandError(message % {"count": report.refused}, returncode=ROWS_REFUSED)
