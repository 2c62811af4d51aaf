"""``manage.py restore``: put a backup's database and attachments back, checked before and counted after (0033)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from servicedesk.backups.archive import ArchiveError
from servicedesk.backups.database import DatabaseError
from servicedesk.backups.manifest import ManifestError
from servicedesk.backups.postgres import Database, ToolsError
from servicedesk.backups.restore import RestoreRefused, restore_apply, restore_check


class Command(BaseCommand):
    help = "Restore a backup made by `backup`: it REPLACES the database and writes the files into MEDIA_ROOT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The archive written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of the portal's, for example an empty one to verify a backup "
            "without touching the live data (set MEDIA_ROOT to a scratch folder for the files too).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        own = options["database_url"] is None
        target = Database.from_settings(connections["default"].settings_dict) if own else None
        target = target or Database.from_url(options["database_url"])
        media_root = Path(settings.MEDIA_ROOT)
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        try:
            plan = restore_check(path=path, target=target, media_root=media_root)
        except (ArchiveError, ManifestError, RestoreRefused, ToolsError) as error:
            raise CommandError(f"Nothing was restored. {error}") from error
        manifest = plan.manifest
        code = manifest["code"]
        self.stdout.write(
            f"{path}: taken {manifest['created_at']} from {manifest['database']['name']} by version "
            f"{code.get('version') or '?'} ({code.get('commit') or 'commit unknown'}); {len(manifest['tables'])} "
            f"tables, {sum(manifest['tables'].values()):,} rows, {len(manifest['files']):,} files. "
            "Every checksum matches."
        )
        if not options["yes"]:
            self.confirm(f"This REPLACES the database {target} and writes the files into {media_root}.")
        if own:
            # Our own connections would only be in pg_restore's way.
            connections.close_all()
        try:
            outcome = restore_apply(plan, target=target, media_root=media_root)
        except DatabaseError as error:
            raise CommandError(f"The database was not restored (it is as it was): {error}") from error
        except OSError as error:
            raise CommandError(f"The database was restored, but not all files: {error}") from error
        if outcome.differences:
            raise CommandError(
                "Restored, but it differs from the backup's manifest:\n  " + "\n  ".join(outcome.differences)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {target}: {outcome.tables} tables with {outcome.rows:,} rows, and {outcome.files:,} "
                f"files into {media_root}; the counts and checksums match the backup's."
            )
        )
        self.migrate(plan.schema.missing, own=own)

    def confirm(self, warning: str) -> None:
        self.stdout.write(self.style.WARNING(warning))
        try:
            answer = input("Type 'yes' to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was restored (not confirmed; --yes confirms without asking).")

    def migrate(self, missing: list[str], *, own: bool) -> None:
        if own:
            # Also when the schema is the code's: migrate's own steps follow this portal's TIME_ZONE and roles.
            what = (
                f"the {len(missing)} migrations the backup has not" if missing else "this portal's time zone and roles"
            )
            self.stdout.write(f"Running migrate for {what}…")
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write(self.style.SUCCESS("Migrated."))
        elif missing:
            self.stdout.write(
                f"This code has {len(missing)} migrations the backup has not ({', '.join(missing[:5])}): run "
                "`manage.py migrate` with DATABASE_URL set to that database before the portal uses it."
            )
