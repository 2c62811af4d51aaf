"""``manage.py backup``: the database and the attachments in one archive, with a manifest (decision record 0033)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from servicedesk.backups.backup import backup_write
from servicedesk.backups.database import DatabaseError
from servicedesk.backups.postgres import Database, ToolsError


class Command(BaseCommand):
    help = "Back the portal up: its database (pg_dump) and its files (MEDIA_ROOT) in one archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            help="The archive to write, or a folder for it (default: var/backups/servicedesk-<date>-<time>.tar).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        destination = archive_path(options["output"])
        source = Database.from_settings(connections["default"].settings_dict)
        media_root = Path(settings.MEDIA_ROOT)
        try:
            backup = backup_write(destination=destination, source=source, media_root=media_root)
        except (ToolsError, DatabaseError, OSError) as error:
            raise CommandError(f"No backup was written: {error}") from error
        manifest = backup.manifest
        tables, files = manifest["tables"], manifest["files"]
        self.stdout.write(self.style.SUCCESS(f"Wrote {backup.path} ({size(backup.size)}, readable by its owner only)."))
        self.stdout.write(
            f"Database {source} (PostgreSQL {manifest['database']['server_version']}): "
            f"{len(tables)} tables, {sum(tables.values()):,} rows."
        )
        for table, count in tables.items():
            if count:
                self.stdout.write(f"  {table:<40} {count:>12,}")
        self.stdout.write(f"Files: {len(files):,} ({size(sum(file['size'] for file in files))}) from {media_root}.")
        for label, names in (
            ("rows refer to files that were not found", manifest["missing_files"]),
            ("links and special files were left out", manifest["skipped_files"]),
        ):
            if names:
                self.stdout.write(self.style.WARNING(f"{len(names)} {label}: {', '.join(names[:10])}"))


def archive_path(output: str | None) -> Path:
    """Where the archive goes: as given, into the given folder (an existing one, or a name ending in /), or into
    var/backups/, named by the time."""
    name = f"servicedesk-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
    if not output:
        return Path(settings.VAR_DIR) / "backups" / name
    path = Path(output).expanduser().absolute()
    return path / name if output.endswith(os.sep) or path.is_dir() else path


def size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} TB"
