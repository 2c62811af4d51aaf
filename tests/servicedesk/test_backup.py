"""Backup and restore: a round trip into a fresh database and media folder gives every row and every file back,
and an archive that is damaged, or from a newer schema, is refused before anything changes (decision 0033)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import stat
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from psycopg import sql

from incidents.journal import notes
from incidents.models import Attachment
from servicedesk.backups.database import table_counts
from servicedesk.backups.postgres import Database, ToolsError, tools_for
from tests.incidents.workflow import classified, record
from tests.knowledge.factories import CategoryFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(32)


def database(name: str | None = None) -> Database:
    settings_dict = {**connection.settings_dict, "NAME": name or connection.settings_dict["NAME"]}
    return Database.from_settings(settings_dict)


def url(target: Database) -> str:
    credentials = quote(target.user) + (f":{quote(target.password)}" if target.password else "")
    return f"postgres://{credentials}@{quote(target.host, safe='')}:{target.port or 5432}/{target.name}"


@pytest.fixture
def fresh_database(django_db_setup):
    """An empty database next to the test database, dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with database("postgres").connect(autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database(name)
    finally:
        with database("postgres").connect(autocommit=True) as server:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def counts(target: Database) -> dict[str, int]:
    with target.connect(autocommit=True) as db:
        return table_counts(db)


def digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def desk_at_work(operator) -> None:
    """Incidents with journal entries, attached files, history rows and day figures, as the desk makes them."""
    first = classified(operator, CategoryFactory(name="VPN"))
    record(operator, short_description="Printer jams")
    notes.incident_add_note(
        by=operator,
        incident_id=first.pk,
        text="Screenshot and the client's log.",
        files=[
            SimpleUploadedFile("screen.png", PNG, content_type="image/png"),
            SimpleUploadedFile("vpn.log", "Fehler: ü\n".encode() * 1000, content_type="text/plain"),
        ],
    )


def backup(tmp_path: Path) -> Path:
    archive = tmp_path / "backups" / "desk.tar"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    return archive


def restore(archive: Path, target: Database) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), yes=True, database_url=url(target), stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_and_folder_has_every_row_and_every_file(
    operator, media_root, fresh_database, tmp_path, settings
):
    """The whole round trip, as an operator verifying a backup does it: restore with --database-url."""
    desk_at_work(operator)
    assert Attachment.objects.count() == 2
    out = io.StringIO()
    archive = tmp_path / "backups" / "desk.tar"

    call_command("backup", output=str(archive), stdout=out)

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds personal data
    assert list(archive.parent.iterdir()) == [archive]  # nothing half-written left beside it
    assert "incidents_incident" in out.getvalue()
    assert "Files: 2" in out.getvalue()
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    printed = restore(archive, fresh_database)

    assert "the counts and checksums match" in printed
    before, after = counts(database()), counts(fresh_database)
    assert after == before
    assert after["incidents_incident"] == 2
    assert after["incidents_activity"] >= 3
    # The history and day-figure triggers come back after the rows: restoring wrote no rows of its own.
    assert after["incidents_incidenthistory"] == before["incidents_incidenthistory"] > 0
    assert after["incidents_dayfigures"] == before["incidents_dayfigures"] > 0
    assert digests(settings.MEDIA_ROOT) == digests(media_root)
    assert len(digests(media_root)) == 2


@pytest.fixture(scope="module")
def plain_backup(django_db_setup, tmp_path_factory):
    """A backup of the test database as migrated: the refusals need an archive, not data (nor a flush after)."""
    folder = tmp_path_factory.mktemp("plain")
    with override_settings(MEDIA_ROOT=folder / "media"):
        return backup(folder)


@pytest.fixture
def archive(plain_backup, tmp_path):
    """A copy of that backup, for this test to damage."""
    return Path(shutil.copy(plain_backup, tmp_path / plain_backup.name))


@pytest.fixture
def restored_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("damage", ["cut short", "one byte changed"])
def test_a_damaged_archive_is_refused_and_nothing_changes(damage, archive, fresh_database, restored_media):
    data = bytearray(archive.read_bytes())
    if damage == "cut short":
        del data[len(data) // 2 :]
    else:
        data[4096] ^= 0xFF  # inside the database's dump, the first member
    archive.write_bytes(data)

    with pytest.raises(CommandError, match=r"Nothing was restored\. .*(cut short|checksum)"):
        restore(archive, fresh_database)

    assert counts(fresh_database) == {}
    assert not restored_media.exists()


def test_a_file_that_is_no_archive_is_refused(tmp_path, fresh_database, restored_media):
    archive = tmp_path / "notes.txt"
    archive.write_text("Not a backup.")

    with pytest.raises(CommandError, match="cannot be read to its end"):
        restore(archive, fresh_database)

    assert counts(fresh_database) == {}


def rewritten(archive: Path, change) -> Path:
    """The archive with its manifest changed by ``change``, everything else as it was."""
    copy = archive.with_name("changed.tar")
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    return copy


def test_an_archive_from_a_newer_schema_is_refused_and_nothing_changes(archive, fresh_database, restored_media):
    newer = rewritten(archive, lambda manifest: manifest["migrations"]["incidents"].append("9999_from_the_future"))

    with pytest.raises(CommandError, match=r"newer than this code: it has incidents\.9999_from_the_future"):
        restore(newer, fresh_database)

    assert counts(fresh_database) == {}
    assert not restored_media.exists()


def test_a_database_with_tables_the_backup_has_not_is_refused(archive, fresh_database, restored_media):
    with fresh_database.connect(autocommit=True) as db:
        db.execute("CREATE TABLE incidents_from_the_future (id int)")

    with pytest.raises(CommandError, match="has tables the backup does not"):
        restore(archive, fresh_database)

    assert counts(fresh_database) == {"incidents_from_the_future": 0}


def test_restore_replaces_nothing_unless_confirmed(archive, fresh_database, restored_media, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="not confirmed"):
        call_command("restore", str(archive), database_url=url(fresh_database), stdout=io.StringIO())

    assert counts(fresh_database) == {}


def test_the_tools_are_those_of_the_servers_major_version(django_db_setup):
    major = database().server_major()

    tools = tools_for(major)

    assert tools.major == major
    assert Path(tools.pg_dump).exists()
    assert Path(tools.pg_restore).exists()


def test_no_tools_of_the_servers_version_is_a_clear_error(monkeypatch, tmp_path):
    with pytest.raises(ToolsError, match=r"No pg_dump and pg_restore of PostgreSQL 99.*PG_BIN_DIR"):
        tools_for(99)
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))
    with pytest.raises(ToolsError, match=re.escape(f"PG_BIN_DIR={tmp_path} holds no pg_dump")):
        tools_for(15)
