"""What a backup reads from the database: one snapshot for the dump, the row counts, the migrations and the files.

The counts and the dump come from the same exported snapshot, so they agree even while the portal writes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.apps import apps
from django.db import models
from psycopg import sql

from servicedesk.backups.postgres import Database, Tools


class DatabaseError(Exception):
    """pg_dump or pg_restore failed; the message holds what it printed."""


@dataclass(frozen=True)
class Snapshot:
    """One moment of the database, held open by ``connection``'s transaction."""

    connection: psycopg.Connection
    name: str


@contextmanager
def snapshot(database: Database) -> Iterator[Snapshot]:
    """A read-only repeatable-read transaction whose snapshot pg_dump can share (``--snapshot``)."""
    with database.connect() as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = connection.execute("SELECT pg_export_snapshot()").fetchone()
        try:
            yield Snapshot(connection, row[0] if row else "")
        finally:
            connection.rollback()


def table_names(connection: psycopg.Connection) -> list[str]:
    """The tables of the connection's schema (Django's: ``public`` unless configured otherwise)."""
    rows = connection.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    ).fetchall()
    return [name for (name,) in rows]


def table_counts(connection: psycopg.Connection) -> dict[str, int]:
    """Rows per table of the connection's schema, counted exactly."""
    counts = {}
    for table in table_names(connection):
        row = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        counts[table] = row[0] if row else 0
    return counts


def applied_migrations(connection: psycopg.Connection) -> dict[str, list[str]]:
    """The migrations applied to this database, per app, in the order they were applied."""
    exists = connection.execute("SELECT to_regclass('django_migrations')").fetchone()
    if not exists or exists[0] is None:
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in connection.execute("SELECT app, name FROM django_migrations ORDER BY id"):
        applied.setdefault(app, []).append(name)
    return applied


def stored_file_names(connection: psycopg.Connection) -> set[str]:
    """The names of the stored files that rows refer to, from every model's file fields."""
    names: set[str] = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                query = sql.SQL("SELECT DISTINCT {column} FROM {table} WHERE {column} <> ''").format(
                    column=sql.Identifier(field.column), table=sql.Identifier(model._meta.db_table)
                )
                names.update(name for (name,) in connection.execute(query))
    return names


def dump(database: Database, tools: Tools, *, into: Path, snapshot_name: str) -> None:
    """pg_dump's custom format (compressed) of the database as the snapshot sees it."""
    command = [tools.pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_name}", f"--file={into}"]
    run(command, database)


def restore(database: Database, tools: Tools, *, dump_file: Path) -> None:
    """Replace the database's objects with the dump's, in one transaction: all or nothing.

    The rows are loaded before the triggers are created (pg_restore's order), so the history and the day
    figures get no rows of their own from the restore. Owners and grants are the connecting user's: the
    roles of the server the dump came from may not exist here.
    """
    command = [
        tools.pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
        "--no-password", f"--dbname={database.name}", str(dump_file),
    ]  # fmt: skip
    run(command, database)


def run(command: list[str], database: Database) -> None:
    result = subprocess.run(  # noqa: S603 (a PostgreSQL program, no shell)
        command, env=database.environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        program = Path(command[0]).name
        raise DatabaseError(f"{program} failed (exit status {result.returncode}):\n{result.stderr.strip()[-3000:]}")
