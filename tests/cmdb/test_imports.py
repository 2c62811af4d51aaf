"""Importing the CMDB from CSV: good rows land, bad rows are reported by line, nothing is half-written."""

from __future__ import annotations

import pytest

from cmdb.choices import CIClass, CIStatus, LocationKind, RelationshipKind
from cmdb.imports import ImportRefused, RowError, import_rows
from cmdb.models import ConfigurationItem, Contact, Location, Relationship
from tests.cmdb.factories import (
    ConfigurationItemFactory,
    ContactFactory,
    LocationFactory,
    RelationshipFactory,
    SupportGroupFactory,
)

pytestmark = pytest.mark.django_db

CI_HEADER = "name,class,status,serial_number,asset_tag,location,owner_group,attributes,description"
CONTACT_HEADER = "email,first_name,last_name,phone,mobile,department,workplace,vip,active"


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(kind: str, *lines: str, **kwargs):
    return import_rows(kind=kind, rows=csv_file(*lines), by=None, **kwargs)


@pytest.fixture
def campus():
    site = LocationFactory(name="Amsterdam HQ", kind=LocationKind.SITE)
    building = LocationFactory(name="Building A", kind=LocationKind.BUILDING, parent=site)
    floor = LocationFactory(name="Floor 2", kind=LocationKind.FLOOR, parent=building)
    return site, building, floor


def test_location_rows_create_a_site_its_buildings_and_floors_by_path():
    report = run(
        "locations",
        "name,parent,kind,address",
        "Amsterdam HQ,,site,Keizersgracht 1",
        "Building A,Amsterdam HQ,building,",
        "Floor 2,Amsterdam HQ / Building A,floor,",
        "Floor 3,amsterdam hq/building a,Floor,",
    )

    assert report.errors == []
    assert report.created == 4
    floor = Location.objects.get(name="Floor 2")
    assert floor.parent.name == "Building A"
    assert floor.parent.parent.name == "Amsterdam HQ"
    assert Location.objects.get(name="Floor 3").parent == floor.parent


def test_a_location_path_finds_names_that_contain_a_slash(campus):
    site, _building, _floor = campus
    LocationFactory(name="Wing 2/B", kind=LocationKind.BUILDING, parent=site)

    report = run("locations", "name,parent,kind,address", "Ground floor,Amsterdam HQ / Wing 2/B,floor,")

    assert report.errors == []
    assert Location.objects.get(name="Ground floor").parent.name == "Wing 2/B"


def test_ci_rows_find_their_location_by_path_and_their_owner_group_by_name(campus):
    _site, _building, floor = campus
    group = SupportGroupFactory(name="Infrastructure")

    report = run(
        "cis",
        CI_HEADER,
        'vm-042,vm,live,SN1,AT-1,Amsterdam HQ / Building A / Floor 2,infrastructure,"{""ram_gb"": 16}",Payroll VM',
    )

    assert report.errors == []
    assert report.created == 1
    ci = ConfigurationItem.objects.get(name="vm-042")
    assert ci.ci_class == CIClass.VIRTUAL_MACHINE
    assert ci.location == floor
    assert ci.owner_group == group
    assert ci.attributes == {"ram_gb": 16}
    assert ci.description == "Payroll VM"


def test_choice_columns_take_the_value_or_the_label_in_any_case():
    report = run(
        "cis",
        CI_HEADER,
        "by-value,vm,maintenance,,,,,,",
        "by-label,Virtual machine,In maintenance,,,,,,",
        "by-shouting,VIRTUAL MACHINE,IN MAINTENANCE,,,,,,",
        "by-default,,,,,,,,",
    )

    assert report.errors == []
    cis = {ci.name: (ci.ci_class, ci.status) for ci in ConfigurationItem.objects.all()}
    assert cis == {
        "by-value": (CIClass.VIRTUAL_MACHINE, CIStatus.MAINTENANCE),
        "by-label": (CIClass.VIRTUAL_MACHINE, CIStatus.MAINTENANCE),
        "by-shouting": (CIClass.VIRTUAL_MACHINE, CIStatus.MAINTENANCE),
        "by-default": (CIClass.SERVER, CIStatus.LIVE),
    }


def test_yes_no_columns_take_yes_no_true_false_and_1_0():
    report = run(
        "contacts",
        CONTACT_HEADER,
        "a@example.org,Ann,A,,,,,yes,no",
        "b@example.org,Bob,B,,,,,TRUE,false",
        "c@example.org,Cas,C,,,,,1,0",
        "d@example.org,Dee,D,,,,,,",
        "e@example.org,Eve,E,,,,,maybe,",
    )

    flags = {contact.first_name: (contact.vip, contact.active) for contact in Contact.objects.all()}
    assert flags == {
        "Ann": (True, False),
        "Bob": (True, False),
        "Cas": (True, False),
        "Dee": (False, True),
    }
    assert report.errors == [RowError(6, "vip: “maybe” is not yes or no.")]


def test_bad_rows_are_reported_with_their_line_number_and_the_models_reasons_while_good_rows_land():
    report = run(
        "cis",
        CI_HEADER,
        "good-1,server,live,,,,,,",
        "bad-class,mainframe,live,,,,,,",
        ",server,live,,,,,,",
        "good-2,server,live,,,,,,",
        "bad-group,server,live,,,,Nobody,,",
    )

    assert report.created == 2
    assert report.errors == [
        RowError(3, "class: Value 'mainframe' is not a valid choice."),
        RowError(4, "name: This field cannot be blank."),
        RowError(6, "owner_group: There is no support group named “Nobody”."),
    ]
    assert set(ConfigurationItem.objects.values_list("name", flat=True)) == {"good-1", "good-2"}


def test_line_numbers_are_the_spreadsheets_rows_even_after_a_cell_with_line_breaks():
    report = run(
        "cis",
        CI_HEADER,
        'multi,server,live,,,,,,"first line',
        'second line"',
        "",
        "bad,nonsense,live,,,,,,",
    )

    assert report.created == 1
    assert report.errors == [RowError(4, "class: Value 'nonsense' is not a valid choice.")]


def test_a_relationship_to_an_unknown_ci_is_refused_and_writes_nothing():
    ConfigurationItemFactory(name="payroll-app")

    report = run("relationships", "source,kind,target", "payroll-app,runs on,vm-missing")

    assert report.errors == [RowError(2, "target: There is no configuration item named “vm-missing”.")]
    assert not Relationship.objects.exists()
    assert ConfigurationItem.objects.count() == 1


def test_a_refused_contact_row_leaves_no_half_written_caller():
    report = run("contacts", CONTACT_HEADER, "new@example.org,New,Caller,,,,Nowhere / Room 1,no,yes")

    assert report.errors == [RowError(2, "workplace: There is no location “Nowhere / Room 1”.")]
    assert not Contact.objects.exists()


def test_a_row_that_breaks_the_models_own_rule_is_refused_with_its_message(campus):
    report = run("locations", "name,parent,kind,address", "Annex,Amsterdam HQ / Building A / Floor 2,building,")

    assert report.errors == [RowError(2, "parent: A building cannot be part of a floor.")]
    assert not Location.objects.filter(name="Annex").exists()


def test_attributes_must_be_a_json_object():
    report = run("cis", CI_HEADER, "list,server,live,,,,,[1],", "broken,server,live,,,,,{ram,")

    assert report.errors[0] == RowError(2, "attributes: Attributes must be a JSON object of names and values.")
    assert report.errors[1].line == 3
    assert report.errors[1].message.startswith("attributes: This is not valid JSON")
    assert not ConfigurationItem.objects.exists()


def test_importing_the_same_file_twice_creates_no_duplicates(campus):
    SupportGroupFactory(name="Infrastructure")
    lines = (
        CI_HEADER,
        'vm-1,vm,live,SN1,AT-1,Amsterdam HQ / Building A,Infrastructure,"{""os"": ""Debian""}",',
        "vm-2,vm,live,SN2,AT-2,,,,",
    )

    first = run("cis", *lines)
    second = run("cis", *lines)

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert ConfigurationItem.objects.count() == 2


def test_a_changed_row_updates_the_record_it_matches_on_its_natural_key():
    ci = ConfigurationItemFactory(name="vm-1", ci_class=CIClass.VIRTUAL_MACHINE, serial_number="SN1")

    report = run("cis", CI_HEADER, "VM-1,vm,retired,SN1,,,,,Switched off")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    ci.refresh_from_db()
    assert ci.status == CIStatus.RETIRED
    assert ci.description == "Switched off"


def test_contacts_are_matched_on_their_email_in_any_case():
    caller = ContactFactory(email="j.jansen@example.org", first_name="Jan", last_name="Jansen", phone="")

    report = run("contacts", CONTACT_HEADER, "J.Jansen@Example.org,Jan,Jansen-de Vries,,,,,,")

    assert (report.created, report.updated) == (0, 1)
    caller.refresh_from_db()
    assert caller.last_name == "Jansen-de Vries"
    assert Contact.objects.count() == 1


def test_contact_rows_without_an_email_are_refused_because_they_could_not_be_matched_again():
    report = run("contacts", CONTACT_HEADER, ",Anon,Ymous,,,,,,")

    assert report.errors[0].line == 2
    assert report.errors[0].message.startswith("email: An e-mail address is required")
    assert not Contact.objects.exists()


def test_relationships_are_matched_on_source_kind_and_target():
    app = ConfigurationItemFactory(name="payroll-app")
    vm = ConfigurationItemFactory(name="vm-042")
    lines = ("source,kind,target", "payroll-app,runs on,vm-042", "payroll-app,depends_on,vm-042")

    first = run("relationships", *lines)
    second = run("relationships", *lines)

    assert (first.created, first.unchanged) == (2, 0)
    assert (second.created, second.unchanged) == (0, 2)
    assert set(Relationship.objects.values_list("source", "kind", "target")) == {
        (app.pk, RelationshipKind.RUNS_ON, vm.pk),
        (app.pk, RelationshipKind.DEPENDS_ON, vm.pk),
    }


def test_a_relationship_of_a_ci_to_itself_is_refused_with_the_models_message():
    ConfigurationItemFactory(name="vm-042")

    report = run("relationships", "source,kind,target", "vm-042,depends on,vm-042")

    assert report.errors == [RowError(2, "A configuration item cannot be related to itself.")]
    assert not Relationship.objects.exists()


def test_a_relationship_listed_twice_is_refused_with_the_models_message():
    ConfigurationItemFactory(name="payroll-app")
    ConfigurationItemFactory(name="vm-042")

    report = run(
        "relationships",
        "source,kind,target",
        "payroll-app,runs on,vm-042",
        "payroll-app,runs_on,vm-042",
    )

    assert report.created == 1
    assert report.errors == [RowError(3, "These two configuration items are already related this way. (line 2)")]
    assert Relationship.objects.count() == 1


def test_an_existing_relationship_in_the_file_is_counted_unchanged():
    RelationshipFactory(
        source=ConfigurationItemFactory(name="a"), target=ConfigurationItemFactory(name="b"), kind="depends_on"
    )

    report = run("relationships", "source,kind,target", "a,,b")

    assert (report.created, report.unchanged, report.errors) == (0, 1, [])


def test_a_utf8_file_with_the_bom_excel_writes_is_read():
    data = "\ufeffname,parent,kind,address\r\nZürich Büro,,site,Bahnhofstraße 1\r\n".encode()

    report = import_rows(kind="locations", rows=data, by=None)

    assert report.errors == []
    assert Location.objects.get().address == "Bahnhofstraße 1"


def test_a_file_that_is_not_utf8_is_refused_and_nothing_is_imported():
    data = csv_file("name,parent,kind,address", "Zürich Büro,,site,", encoding="latin-1")

    with pytest.raises(ImportRefused, match="not UTF-8"):
        import_rows(kind="locations", rows=data, by=None)
    assert not Location.objects.exists()


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("name,parent,kind,address,colour", "unknown columns: colour"),
        ("name,parent,kind", "missing columns: address"),
        ("name,parent,kind,address,name", "columns named twice: name"),
    ],
)
def test_a_wrong_header_refuses_the_whole_file(header, complaint):
    with pytest.raises(ImportRefused, match=complaint) as refused:
        run("locations", header, "Amsterdam HQ,,site,,")

    assert "name, parent, kind, address" in refused.value.message
    assert not Location.objects.exists()


def test_columns_may_come_in_any_order_and_case():
    report = run("locations", "Kind, Address ,NAME,parent", "site,Dam 1,Amsterdam HQ,")

    assert report.errors == []
    assert Location.objects.get().address == "Dam 1"


def test_a_semicolon_separated_file_as_excel_writes_it_in_europe_is_read():
    report = run("locations", "name;parent;kind;address", "Amsterdam HQ;;site;Dam 1, Amsterdam")

    assert report.errors == []
    assert Location.objects.get().address == "Dam 1, Amsterdam"


def test_a_row_with_more_cells_than_the_header_is_refused():
    report = run("locations", "name,parent,kind,address", "Amsterdam HQ,,site,Dam 1,surprise")

    assert report.errors == [RowError(2, "This row has more cells than the header has columns.")]
    assert not Location.objects.exists()


def test_a_dry_run_reports_what_would_happen_and_changes_nothing():
    report = run("locations", "name,parent,kind,address", "Amsterdam HQ,,site,", "Bad,,castle,", dry_run=True)

    assert report.dry_run
    assert report.created == 1
    assert [error.line for error in report.errors] == [3]
    assert not Location.objects.exists()


def test_rows_may_be_given_as_dictionaries():
    rows = [{"name": "Amsterdam HQ", "parent": "", "kind": "Site", "address": ""}]

    report = import_rows(kind="locations", rows=rows, by=None)

    assert report.created == 1


def test_a_kind_that_cannot_be_imported_is_refused():
    with pytest.raises(ImportRefused, match="cannot be imported"):
        run("changes", "number,title")


def test_empty_columns_a_spreadsheet_writes_after_the_last_one_are_ignored():
    report = run("locations", "name,parent,kind,address,,", "Amsterdam HQ,,site,Dam 1,,")

    assert report.errors == []
    assert Location.objects.get().address == "Dam 1"
