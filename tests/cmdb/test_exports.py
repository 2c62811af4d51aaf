"""Exporting CMDB lists as CSV: the import template's columns, safe cells, a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest

from cmdb.choices import LocationKind
from cmdb.exports import export_csv, export_filename, import_template
from cmdb.importers import IMPORTERS
from cmdb.imports import import_rows
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from tests.cmdb.factories import (
    ChangeFactory,
    ConfigurationItemFactory,
    ContactFactory,
    LocationFactory,
    RelationshipFactory,
    ServiceFactory,
    SupportGroupFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def cmdb_data():
    site = LocationFactory(name="Amsterdam HQ", kind=LocationKind.SITE, address="Dam 1\nAmsterdam")
    building = LocationFactory(name="Building A", kind=LocationKind.BUILDING, parent=site)
    floor = LocationFactory(name="Floor 2", kind=LocationKind.FLOOR, parent=building)
    LocationFactory(name="Room 2/14", kind=LocationKind.ROOM, parent=floor)
    group = SupportGroupFactory(name="Infrastructure")
    ContactFactory(email="j.jansen@example.org", phone="+31 20 555 1234", workplace=floor, vip=True)
    ContactFactory(email="a.bakker@example.org", workplace=None, department="=HYPERLINK()")
    app = ConfigurationItemFactory(
        name="payroll-app",
        ci_class="application",
        serial_number="SN-1",
        owner_group=group,
        attributes={"version": "4.2", "port": 8443},
    )
    vm = ConfigurationItemFactory(
        name="vm-042", ci_class="vm", serial_number="SN-2", location=floor, asset_tag="AT-1", description="-"
    )
    RelationshipFactory(source=app, target=vm, kind="runs_on")


@pytest.mark.parametrize(
    ("kind", "model"),
    [("locations", Location), ("contacts", Contact), ("cis", ConfigurationItem), ("relationships", Relationship)],
)
def test_an_export_imported_again_leaves_every_row_unchanged(cmdb_data, kind, model):
    exported = content(export_csv(kind=kind, queryset=model.objects.all()))

    report = import_rows(kind=kind, rows=exported, by=None)

    assert report.errors == []
    assert report.unchanged == model.objects.count()
    assert (report.created, report.updated) == (0, 0)


def test_an_export_of_locations_lists_parents_before_children_so_it_imports_into_an_empty_cmdb(cmdb_data):
    exported = content(export_csv(kind="locations", queryset=Location.objects.all()))
    Contact.objects.all().delete()
    ConfigurationItem.objects.all().delete()
    for depth in ("room", "floor", "building", "site"):
        Location.objects.filter(kind=depth).delete()

    report = import_rows(kind="locations", rows=exported, by=None)

    assert [row[0] for row in rows_of(exported)[1:]] == ["Amsterdam HQ", "Building A", "Floor 2", "Room 2/14"]
    assert (report.created, report.errors) == (4, [])
    assert Location.objects.get(name="Room 2/14").parent.parent.parent.address == "Dam 1\nAmsterdam"


def test_an_export_has_exactly_the_import_templates_columns(cmdb_data):
    for kind, importer in IMPORTERS.items():
        exported = content(export_csv(kind=kind, queryset=importer.model.objects.all()))

        assert rows_of(exported)[0] == importer.header


def test_an_export_writes_paths_names_and_json_as_the_import_reads_them(cmdb_data):
    rows = rows_of(content(export_csv(kind="cis", queryset=ConfigurationItem.objects.all())))

    assert rows[1:] == [
        [
            "payroll-app",
            "application",
            "live",
            "SN-1",
            "",
            "",
            "Infrastructure",
            '{"port": 8443, "version": "4.2"}',
            "",
        ],
        ["vm-042", "vm", "live", "SN-2", "AT-1", "Amsterdam HQ / Building A / Floor 2", "", "", "'-"],
    ]


def test_cells_that_a_spreadsheet_would_run_as_formulas_get_an_apostrophe(cmdb_data):
    rows = rows_of(content(export_csv(kind="contacts", queryset=Contact.objects.order_by("email"))))
    cells = {cell for row in rows for cell in row}

    assert "'=HYPERLINK()" in cells
    assert "'+31 20 555 1234" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_an_export_is_a_utf8_csv_download_named_for_the_kind_and_day(cmdb_data):
    response = export_csv(kind="cis", queryset=ConfigurationItem.objects.all())

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{export_filename(kind="cis")}"'
    assert content(response).startswith("\ufeffname,".encode())


def test_services_support_groups_and_changes_can_be_exported(cmdb_data):
    vm = ConfigurationItem.objects.get(name="vm-042")
    ServiceFactory(name="Payroll", cis=[vm, ConfigurationItem.objects.get(name="payroll-app")])
    SupportGroupFactory(name="Network", members=[UserFactory(username="nina"), UserFactory(username="ned")])
    ChangeFactory(title="Patch vm-042", cis=[vm])

    services = rows_of(content(export_csv(kind="services", queryset=Service.objects.all())))
    groups = rows_of(content(export_csv(kind="supportgroups", queryset=SupportGroup.objects.filter(name="Network"))))
    changes = rows_of(content(export_csv(kind="changes", queryset=Change.objects.all())))

    assert services[1][services[0].index("cis")] == "payroll-app; vm-042"
    assert groups[1][groups[0].index("members")] == "ned; nina"
    assert changes[1][changes[0].index("title")] == "Patch vm-042"
    assert changes[1][changes[0].index("number")].startswith("CHG")


def test_an_unknown_kind_cannot_be_exported():
    with pytest.raises(LookupError):
        export_csv(kind="incidents", queryset=Location.objects.none())


def test_the_import_template_has_the_header_and_an_example_row():
    response = import_template(kind="cis")

    rows = rows_of(response.content)
    assert rows[0] == IMPORTERS["cis"].header
    assert len(rows) == 2


def _build(kind: str, count: int) -> None:
    site = LocationFactory(kind=LocationKind.SITE)
    building = LocationFactory(kind=LocationKind.BUILDING, parent=site)
    floor = LocationFactory(kind=LocationKind.FLOOR, parent=building)
    for _ in range(count):
        if kind == "locations":
            LocationFactory(kind=LocationKind.ROOM, parent=floor)
        elif kind == "contacts":
            ContactFactory(workplace=floor)
        elif kind == "cis":
            ConfigurationItemFactory(location=floor, owner_group=SupportGroupFactory())
        elif kind == "relationships":
            RelationshipFactory()
        elif kind == "services":
            ServiceFactory(owner_group=SupportGroupFactory(), cis=[ConfigurationItemFactory()])
        elif kind == "supportgroups":
            SupportGroupFactory(manager=UserFactory(), members=[UserFactory()])
        elif kind == "changes":
            ChangeFactory(cis=[ConfigurationItemFactory()])


MODELS = {
    "locations": Location,
    "contacts": Contact,
    "cis": ConfigurationItem,
    "relationships": Relationship,
    "services": Service,
    "supportgroups": SupportGroup,
    "changes": Change,
}
QUERIES = {"services": 2, "supportgroups": 2, "changes": 2}


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("kind", list(MODELS))
def test_an_export_takes_the_same_number_of_queries_for_2_and_20_rows(django_assert_num_queries, kind, count):
    _build(kind, count)
    queryset = MODELS[kind].objects.all()

    with django_assert_num_queries(QUERIES.get(kind, 1)):
        exported = content(export_csv(kind=kind, queryset=queryset))

    assert len(rows_of(exported)) > count
