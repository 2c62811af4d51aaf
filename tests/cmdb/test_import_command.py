"""``manage.py import_cmdb KIND FILE.csv``: the report on the terminal and an exit status a script can test."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cmdb.models import Location

pytestmark = pytest.mark.django_db

HEADER = "name,parent,kind,address"


@pytest.fixture
def csv_path(tmp_path):
    def write(*lines: str, encoding: str = "utf-8"):
        path = tmp_path / "locations.csv"
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return path

    return write


def import_cmdb(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cmdb", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_is_imported_and_the_counts_are_printed(csv_path):
    path = csv_path(HEADER, "Amsterdam HQ,,site,", "Building A,Amsterdam HQ,building,")

    out, err = import_cmdb("locations", str(path))

    assert "2 created, 0 updated, 0 unchanged" in out
    assert err == ""
    assert Location.objects.count() == 2


def test_importing_the_file_again_reports_every_row_unchanged(csv_path):
    path = csv_path(HEADER, "Amsterdam HQ,,site,", "Building A,Amsterdam HQ,building,")
    import_cmdb("locations", str(path))

    out, _err = import_cmdb("locations", str(path))

    assert "0 created, 0 updated, 2 unchanged" in out
    assert Location.objects.count() == 2


def test_refused_rows_are_printed_by_line_and_the_exit_status_is_1_but_good_rows_are_imported(csv_path):
    path = csv_path(HEADER, "Amsterdam HQ,,site,", "Annex,Rotterdam,building,")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 row was refused") as refused:
        call_command("import_cmdb", "locations", str(path), stdout=out, stderr=err)

    assert refused.value.returncode == 1
    assert "line 3: parent: There is no location “Rotterdam”." in err.getvalue()
    assert "1 created" in out.getvalue()
    assert list(Location.objects.values_list("name", flat=True)) == ["Amsterdam HQ"]


def test_a_dry_run_changes_nothing(csv_path):
    path = csv_path(HEADER, "Amsterdam HQ,,site,")

    out, _err = import_cmdb("locations", str(path), "--dry-run")

    assert "Dry run, nothing changed." in out
    assert "1 created" in out
    assert not Location.objects.exists()


def test_an_unreadable_file_stops_with_exit_status_2(tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as refused:
        import_cmdb("locations", str(tmp_path / "missing.csv"))

    assert refused.value.returncode == 2


def test_a_file_that_is_not_utf8_stops_with_exit_status_2(csv_path):
    path = csv_path(HEADER, "Zürich,,site,", encoding="latin-1")

    with pytest.raises(CommandError, match="not UTF-8") as refused:
        import_cmdb("locations", str(path))

    assert refused.value.returncode == 2
    assert not Location.objects.exists()


def test_a_wrong_header_stops_with_exit_status_2(csv_path):
    path = csv_path("name,colour", "Amsterdam HQ,blue")

    with pytest.raises(CommandError, match="unknown columns: colour") as refused:
        import_cmdb("locations", str(path))

    assert refused.value.returncode == 2


def test_an_unknown_kind_is_refused(csv_path):
    path = csv_path(HEADER)

    with pytest.raises(CommandError, match="invalid choice"):
        import_cmdb("incidents", str(path))
