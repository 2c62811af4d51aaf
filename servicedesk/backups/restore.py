"""Restoring a backup: check everything first, then the database in one transaction, the files, and a recount."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servicedesk.backups import archive, database
from servicedesk.backups.manifest import SchemaComparison, compare_schema
from servicedesk.backups.postgres import Database, Tools, tools_for


class RestoreRefused(Exception):
    """The archive cannot be restored here; nothing was changed."""


@dataclass(frozen=True)
class Plan:
    """A checked archive and what restoring it here will take."""

    path: Path
    manifest: dict[str, Any]
    schema: SchemaComparison
    tools: Tools


@dataclass(frozen=True)
class Outcome:
    """What the restored database and files hold against the manifest."""

    tables: int
    rows: int
    files: int
    differences: list[str] = field(default_factory=list)


def restore_check(*, path: Path, target: Database, media_root: Path) -> Plan:
    """Read the archive to its end and check it fits this code and this server, changing nothing.

    Raises ``ArchiveError`` or ``ManifestError`` for a damaged or foreign archive, ``RestoreRefused`` for one
    from a schema newer than the code, one this server's pg_restore cannot read, or a database that holds
    tables the backup does not (a newer schema: restore into an empty database then); ``ToolsError`` when no
    pg_restore fits the server.
    """
    manifest = archive.check(path, media_root)
    schema = compare_schema(manifest["migrations"])
    if schema.unknown:
        made_by = manifest.get("code", {})
        raise RestoreRefused(
            f"The backup's schema is newer than this code: it has {', '.join(schema.unknown[:5])}, which this "
            f"code does not know. Restore it with the code that made it (version {made_by.get('version', '?')}, "
            f"commit {made_by.get('commit', 'unknown')}) or a newer one."
        )
    tools = tools_for(target.server_major())
    dumped_by = int(manifest["database"].get("pg_dump_major", 0))
    if dumped_by > tools.major:
        raise RestoreRefused(
            f"The dump was made by pg_dump {dumped_by}; pg_restore {tools.major}, which fits this server, cannot "
            f"read it. Restore it into a PostgreSQL {dumped_by} server or newer."
        )
    with target.connect(autocommit=True) as connection:
        extra = sorted(set(database.table_names(connection)) - set(manifest["tables"]))
    if extra:
        raise RestoreRefused(
            f"{target} has tables the backup does not ({', '.join(extra[:5])}{', …' if len(extra) > 5 else ''}): "
            "its schema is newer than the backup's. Restore into an empty database: drop and create it first."
        )
    return Plan(path=path, manifest=manifest, schema=schema, tools=tools)


def restore_apply(plan: Plan, *, target: Database, media_root: Path) -> Outcome:
    """Replace the target's database with the archive's, write its files under ``media_root``, then recount.

    Raises ``DatabaseError`` when pg_restore fails: its single transaction leaves the database as it was.
    """
    with tempfile.TemporaryDirectory(prefix="servicedesk-restore-") as scratch:
        dump_file = Path(scratch) / archive.DUMP
        archive.extract_dump(plan.path, dump_file)
        database.restore(target, plan.tools, dump_file=dump_file)
    archive.extract_media(plan.path, media_root)
    return recount(plan.manifest, target=target, media_root=media_root)


def recount(manifest: dict[str, Any], *, target: Database, media_root: Path) -> Outcome:
    """Compare the target's rows per table and the files' checksums with the manifest."""
    with target.connect(autocommit=True) as connection:
        counts = database.table_counts(connection)
    differences = [
        f"{table}: {counts.get(table)} rows, the backup had {expected}"
        for table, expected in sorted(manifest["tables"].items())
        if counts.get(table) != expected
    ]
    for file in manifest["files"]:
        path = media_root / file["path"]
        if not path.is_file():
            differences.append(f"{file['path']}: missing")
        elif archive.file_digest(path) != file["sha256"]:
            differences.append(f"{file['path']}: its checksum differs from the backup's")
    return Outcome(
        tables=len(manifest["tables"]),
        rows=sum(manifest["tables"].values()),
        files=len(manifest["files"]),
        differences=differences,
    )
