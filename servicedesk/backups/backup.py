"""Taking a backup: the database first, then the files, then the manifest that describes both."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from servicedesk.backups import archive, database, manifest
from servicedesk.backups.postgres import Database, tools_for


@dataclass(frozen=True)
class Backup:
    """A backup as written: where, how big, and its manifest."""

    path: Path
    size: int
    manifest: dict[str, Any]


def backup_write(*, destination: Path, source: Database, media_root: Path) -> Backup:
    """Write one archive of the database and the files under ``media_root`` to ``destination``.

    The database is dumped first, from a snapshot that also gives the manifest its row counts, migrations and
    the names of the files rows refer to; the files are read after it, so every file a row of the dump names
    is in the archive unless it was deleted meanwhile (the manifest lists those as missing). Raises
    ``ToolsError`` when no pg_dump fits the server and ``DatabaseError`` when pg_dump fails; a failed backup
    leaves no file behind.
    """
    tools = tools_for(source.server_major())
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    started = timezone.now()
    with archive.ArchiveWriter(destination) as writer:
        with database.snapshot(source) as moment:
            version = moment.connection.execute("SHOW server_version").fetchone()
            tables = database.table_counts(moment.connection)
            applied = database.applied_migrations(moment.connection)
            referenced = database.stored_file_names(moment.connection)
            with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as scratch:
                dump_file = Path(scratch) / archive.DUMP
                database.dump(source, tools, into=dump_file, snapshot_name=moment.name)
                dumped = writer.add_file(dump_file, archive.DUMP)
        files, skipped = writer.add_folder(media_root)
        contents = {
            "format": manifest.FORMAT,
            "created_at": started.isoformat(),
            "code": manifest.code_version(),
            "database": {
                "name": source.name,
                "server_version": version[0] if version else "",
                "pg_dump_major": tools.major,
                **dumped,
            },
            "schema": manifest.last_migrations(applied),
            "migrations": applied,
            "tables": tables,
            "files": files,
            "missing_files": sorted(referenced - {file["path"] for file in files}),
            "skipped_files": skipped,
        }
        writer.add_bytes(archive.MANIFEST, json.dumps(contents, indent=1).encode())
    return Backup(path=destination, size=destination.stat().st_size, manifest=contents)
