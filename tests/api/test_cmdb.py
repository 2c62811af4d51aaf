"""The CMDB through the API: read by every staff role, written by configuration managers through the pages' forms,
a change refused when the record was saved since it was read, lists a page at a time with the pages' filters."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cmdb.choices import CIStatus, Criticality, RelationshipKind
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from servicedesk.api.versions import etag_at
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

PROBLEM = "application/problem+json"
LISTS = ["contacts", "config-items", "services", "support-groups", "changes", "locations"]
ROLES = ["operator", "support_member", "manager", "config_manager"]


def one_of_each() -> dict[str, str]:
    """The API address of one record of each kind."""
    group = SupportGroupFactory()
    ci = ConfigurationItemFactory(owner_group=group)
    return {
        "contacts": f"/api/v1/contacts/{ContactFactory().pk}/",
        "config-items": f"/api/v1/config-items/{ci.pk}/",
        "services": f"/api/v1/services/{ServiceFactory(cis=[ci]).pk}/",
        "support-groups": f"/api/v1/support-groups/{group.pk}/",
        "changes": f"/api/v1/changes/{ChangeFactory(cis=[ci]).number}/",
        "locations": f"/api/v1/locations/{LocationFactory().pk}/",
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_role_reads_every_list_and_record(api, role, request):
    client = api(request.getfixturevalue(role))
    records = one_of_each()
    for name in LISTS:
        listed = client.get(f"/api/v1/{name}/")
        assert listed.status_code == 200, name
        assert len(listed.json()["results"]) == 1, name
        record = client.get(records[name])
        assert record.status_code == 200, name
        assert record["ETag"].startswith('"t'), name
        assert record.json()["url"].endswith(records[name])


def test_an_empty_filter_is_refused_and_the_lists_come_in_their_cursors_order(api, operator):
    ServiceFactory(name="B", criticality=Criticality.LOW)
    ServiceFactory(name="A", criticality=Criticality.HIGH)
    client = api(operator)

    refused = client.get("/api/v1/services/", {"criticality": ""})
    assert refused.status_code == 400
    assert refused.json()["errors"]["criticality"] == ["Give a value, or leave the filter out."]
    # The pages' sortable columns are not the API's: a list pages by its cursor, by name here.
    listed = client.get("/api/v1/services/", {"ordering": "-name"}).json()["results"]
    assert [service["name"] for service in listed] == ["A", "B"]
    assert "ordering" not in {p["name"] for p in client.get("/api/schema/?format=json").json()["paths"][
        "/api/v1/services/"]["get"]["parameters"]}  # fmt: skip


def test_someone_without_a_role_reads_nothing(api):
    client = api(UserFactory(username="norole"))
    records = one_of_each()
    for name in LISTS:
        for url in (f"/api/v1/{name}/", records[name]):
            response = client.get(url)
            assert response.status_code == 403, url
            assert response["Content-Type"] == PROBLEM


def test_a_configuration_manager_creates_a_ci_through_the_pages_form(api, config_manager):
    site = LocationFactory(name="Amsterdam")
    response = api(config_manager).post(
        "/api/v1/config-items/",
        {"name": "db-payroll-01", "ci_class": "database", "status": "live", "location": site.pk,
         "attributes": {"engine": "PostgreSQL 17"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    ci = ConfigurationItem.objects.get(name="db-payroll-01")
    assert (ci.location, ci.attributes) == (site, {"engine": "PostgreSQL 17"})
    assert response["Location"].endswith(f"/api/v1/config-items/{ci.pk}/")
    assert response["ETag"] == etag_at(ci.updated_at)
    body = response.json()
    assert body["location"] == {"id": site.pk, "name": "Amsterdam"}
    assert (body["outgoing"], body["incoming_count"]) == ([], 0)


@pytest.mark.parametrize("role", ["operator", "support_member", "manager"])
def test_only_configuration_managers_write(api, role, request):
    ci = ConfigurationItemFactory()
    client = api(request.getfixturevalue(role))
    created = client.post("/api/v1/locations/", {"name": "Rotterdam", "kind": "site"}, format="json")
    changed = client.patch(
        f"/api/v1/config-items/{ci.pk}/", {"status": "retired"}, format="json", HTTP_IF_MATCH=etag_at(ci.updated_at)
    )
    assert (created.status_code, changed.status_code) == (403, 403)
    assert created.json()["detail"] == "Your role does not allow this."
    assert not Location.objects.exists()


def test_the_desk_adds_a_caller_as_when_logging_a_call_but_does_not_edit_one(api, operator):
    client = api(operator)
    created = client.post(
        "/api/v1/contacts/", {"first_name": "Kim", "last_name": "Lee", "email": "kim@example.org"}, format="json"
    )
    assert created.status_code == 201, created.json()
    changed = client.patch(created["Location"], {"vip": True}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 403
    assert Contact.objects.get(email="kim@example.org").vip is False


def test_a_read_only_token_cannot_write(api, config_manager):
    response = api(config_manager, writes=False).post(
        "/api/v1/locations/", {"name": "Rotterdam", "kind": "site"}, format="json"
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Location.objects.exists()


def test_bad_input_is_a_400_with_the_forms_messages_by_field(api, config_manager):
    ConfigurationItemFactory(name="web-01")
    client = api(config_manager)
    contact = client.post("/api/v1/contacts/", {"first_name": "Kim", "last_name": "Lee"}, format="json")
    assert contact.status_code == 400
    assert contact["Content-Type"] == PROBLEM
    assert contact.json()["errors"] == {
        "non_field_errors": ["Give at least one way to reach the caller: e-mail, phone or mobile."]
    }
    ci = client.post("/api/v1/config-items/", {"name": "web-01", "ci_class": "warp-drive"}, format="json").json()
    assert set(ci["errors"]) == {"name", "ci_class", "status"}
    service = client.post(
        "/api/v1/services/", {"name": "Payroll", "criticality": "high", "cis": ["web-01", "nowhere-9"]}, format="json"
    )
    assert service.json()["errors"] == {"cis": ["No configuration item is called: nowhere-9."]}
    assert not Service.objects.exists()


def test_a_body_of_the_wrong_shape_is_a_400_not_a_500(api, config_manager):
    group = SupportGroupFactory()
    client = api(config_manager)
    shapes = client.post(
        "/api/v1/services/",
        {"name": {"en": "Mail"}, "criticality": "high", "cis": "web-01", "owner_group": True, "active": "yes"},
        format="json",
    ).json()
    assert shapes["errors"] == {
        "name": ["Give a text."],
        "owner_group": ["Give a whole number."],  # true would be the record with id 1
        "active": ["Give true or false."],
    }
    members = client.post(
        "/api/v1/support-groups/", {"name": "x", "tier": "2", "members": [str(group.pk)]}, format="json"
    )
    assert members.json()["errors"] == {"tier": ["Give a whole number."], "members": ["Give a list of whole numbers."]}
    assert client.post("/api/v1/locations/", ["not", "an", "object"], format="json").status_code == 400
    nul = client.post("/api/v1/config-items/", {"name": "x", "attributes": {"a": "\x00"}}, format="json")
    assert nul.json()["errors"] == {"attributes": ["Null characters are not allowed."]}
    assert client.post("/api/v1/locations/", "name=x", content_type="text/plain").status_code == 415
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        ("9999-12-31T23:00:00-05:00", "Give a moment between the years 1 and 9999."),
        ("2026-06-06T12:07:03-20:26", "Give a time zone offset between -15:59 and +15:59."),
    ],
)
def test_a_moment_the_database_cannot_keep_is_refused_at_its_field(api, config_manager, moment, message):
    client = api(config_manager)
    response = client.post(
        "/api/v1/changes/",
        {"title": "Far", "state": "planned", "planned_start": "2026-01-01T10:00Z", "planned_end": moment},
        format="json",
    )
    assert response.json()["errors"] == {"planned_end": [message]}
    listed = client.get("/api/v1/changes/", {"planned_after": moment})
    assert listed.json()["errors"] == {"planned_after": [message]}


def test_a_change_names_the_etag_it_read_and_a_patch_keeps_the_rest(api, config_manager):
    group = SupportGroupFactory()
    ci = ConfigurationItemFactory(name="app-01", owner_group=group, attributes={"os": "Debian"})
    client = api(config_manager)
    assert client.patch(f"/api/v1/config-items/{ci.pk}/", {"status": "retired"}, format="json").status_code == 428
    etag = client.get(f"/api/v1/config-items/{ci.pk}/")["ETag"]
    response = client.patch(f"/api/v1/config-items/{ci.pk}/", {"status": "retired"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    ci.refresh_from_db()
    assert (ci.status, ci.name, ci.owner_group, ci.attributes) == (CIStatus.RETIRED, "app-01", group, {"os": "Debian"})
    assert response["ETag"] == etag_at(ci.updated_at) != etag


def test_a_put_replaces_every_field(api, config_manager):
    location = LocationFactory(name="HQ", address="Main street 1")
    response = api(config_manager).put(
        f"/api/v1/locations/{location.pk}/", {"name": "Head office", "kind": "building"}, format="json",
        HTTP_IF_MATCH=etag_at(location.updated_at),
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    location.refresh_from_db()
    assert (location.name, location.kind, location.address) == ("Head office", "building", "")


def test_a_change_saved_since_the_etag_was_read_is_412_and_saves_nothing(api, config_manager):
    service = ServiceFactory(name="Mail", criticality=Criticality.LOW)
    read = etag_at(service.updated_at)
    Service.objects.filter(pk=service.pk).update(updated_at=timezone.now())  # someone saved it meanwhile
    response = api(config_manager).patch(
        f"/api/v1/services/{service.pk}/", {"criticality": "critical"}, format="json", HTTP_IF_MATCH=read
    )
    body = response.json()
    assert response.status_code == 412
    assert body["type"].endswith("/stale")
    service.refresh_from_db()
    assert service.criticality == Criticality.LOW
    assert body["current_etag"] == etag_at(service.updated_at)


def test_an_if_match_the_api_did_not_give_is_a_400(api, config_manager):
    contact = ContactFactory()
    response = api(config_manager).patch(f"/api/v1/contacts/{contact.pk}/", {}, format="json", HTTP_IF_MATCH='"v3"')
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-if-match")


def test_no_such_record_is_a_404_problem(api, operator):
    client = api(operator)
    urls = ["/api/v1/contacts/999999/", "/api/v1/contacts/99999999999999999999/", "/api/v1/contacts/0.5/",
            "/api/v1/changes/CHG9/", "/api/v1/services/x/tree/"]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == PROBLEM


def test_a_support_group_is_written_with_its_members(api, config_manager, support_member, manager):
    response = api(config_manager).post(
        "/api/v1/support-groups/",
        {"name": "Network", "tier": 2, "manager": manager.pk, "members": [support_member.pk], "active": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    group = SupportGroup.objects.get(name="Network")
    assert list(group.members.all()) == [support_member]
    body = response.json()
    assert body["manager"]["id"] == manager.pk
    assert [member["name"] for member in body["members"]] == [support_member.get_full_name()]


def test_a_change_is_read_and_written_by_its_number(api, config_manager):
    web = ConfigurationItemFactory(name="web-01")
    client = api(config_manager)
    created = client.post(
        "/api/v1/changes/",
        {"title": "Kernel update", "state": "planned", "planned_start": "2026-12-01T22:00:00Z",
         "planned_end": "2026-12-01T23:00:00Z", "cis": ["web-01"]},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    change = Change.objects.get(title="Kernel update")
    assert created["Location"].endswith(f"/api/v1/changes/{change.number}/")
    assert created.json()["cis"] == [{"id": web.pk, "name": "web-01"}]
    backwards = client.patch(
        f"/api/v1/changes/{change.number}/", {"planned_end": "2026-12-01T21:00:00Z"}, format="json",
        HTTP_IF_MATCH=created["ETag"],
    )  # fmt: skip
    assert backwards.status_code == 400
    assert "The planned end must not be before the planned start." in backwards.json()["detail"]


def test_lists_are_paged_by_a_cursor(api, operator):
    contacts = ContactFactory.create_batch(5)
    client = api(operator)
    first = client.get("/api/v1/contacts/", {"page_size": 2}).json()
    rest = [first]
    while rest[-1]["next"]:
        rest.append(client.get(rest[-1]["next"]).json())
    assert [row["id"] for page in rest for row in page["results"]] == [contact.pk for contact in contacts]
    assert len(rest) == 3
    assert first["previous"] is None
    assert client.get("/api/v1/contacts/", {"cursor": "not-a-cursor"}).status_code == 404
    assert client.get("/api/v1/contacts/", {"page_size": "none"}).json()["errors"] == {
        "page_size": ["Give a whole number from 1."]
    }


def test_lists_take_the_pages_filters(api, operator):
    ConfigurationItemFactory(name="web-01", status=CIStatus.LIVE)
    ConfigurationItemFactory(name="web-02", status=CIStatus.RETIRED)
    ContactFactory(last_name="Jansen", phone="020 555 1234")
    ContactFactory(last_name="de Vries", phone="030 777 0000")
    web = ConfigurationItemFactory(name="web-03")
    ChangeFactory(title="Patch web", cis=[web])
    ChangeFactory(title="Other")
    client = api(operator)

    def names(url, query, key="name"):
        return [row[key] for row in client.get(url, query).json()["results"]]

    assert names("/api/v1/config-items/", {"status": "retired"}) == ["web-02"]
    assert names("/api/v1/contacts/", {"q": "5551234"}, "last_name") == ["Jansen"]
    assert names("/api/v1/changes/", {"ci": "WEB-03"}, "title") == ["Patch web"]
    refused = client.get("/api/v1/config-items/", {"status": "exploded"})
    assert refused.status_code == 400
    assert "status" in refused.json()["errors"]


def test_a_cis_relationships_are_listed_added_and_removed_as_on_its_page(api, config_manager, operator):
    switch = ConfigurationItemFactory(name="core-switch")
    servers = [ConfigurationItemFactory(name=f"srv-{n}") for n in range(3)]
    for server in servers:
        RelationshipFactory(source=server, target=switch, kind=RelationshipKind.CONNECTED_TO)
    reader = api(operator)
    incoming = reader.get(f"/api/v1/config-items/{switch.pk}/relationships/", {"page_size": 2}).json()
    assert [link["source"]["name"] for link in incoming["results"]] == ["srv-0", "srv-1"]
    assert incoming["next"]
    outgoing = reader.get(f"/api/v1/config-items/{servers[0].pk}/relationships/", {"direction": "outgoing"}).json()
    assert [link["target"]["name"] for link in outgoing["results"]] == ["core-switch"]
    assert reader.get(f"/api/v1/config-items/{switch.pk}/relationships/", {"direction": "up"}).status_code == 400

    editor = api(config_manager)
    added = editor.post(
        f"/api/v1/config-items/{switch.pk}/relationships/",
        {"direction": "outgoing", "kind": "depends_on", "other": "srv-2"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert (added.json()["source"]["name"], added.json()["target"]["name"]) == ("core-switch", "srv-2")
    again = editor.post(
        f"/api/v1/config-items/{switch.pk}/relationships/",
        {"direction": "outgoing", "kind": "depends_on", "other": "srv-2"},
        format="json",
    )
    assert again.status_code == 400
    assert reader.delete(added["Location"]).status_code == 403
    assert editor.delete(added["Location"]).status_code == 204
    assert not Relationship.objects.filter(pk=added.json()["id"]).exists()


def test_a_cis_affected_services_and_a_services_tree(api, operator):
    storage = ConfigurationItemFactory(name="san-01")
    database = ConfigurationItemFactory(name="db-01")
    app = ConfigurationItemFactory(name="payroll-app")
    RelationshipFactory(source=database, target=storage)
    RelationshipFactory(source=app, target=database)
    payroll = ServiceFactory(name="Payroll", criticality=Criticality.HIGH, cis=[app])
    client = api(operator)
    affected = client.get(f"/api/v1/config-items/{storage.pk}/affected-services/").json()
    assert [(row["name"], row["depth"]) for row in affected] == [("Payroll", 2)]
    assert [node["name"] for node in affected[0]["path"]] == ["san-01", "db-01", "payroll-app"]
    tree = client.get(f"/api/v1/services/{payroll.pk}/tree/").json()
    assert [(node["name"], node["depth"]) for node in tree["nodes"]] == [
        ("payroll-app", 0), ("db-01", 1), ("san-01", 2)
    ]  # fmt: skip
    assert tree["truncated"] is False


MAKERS = {
    "contacts": lambda n: ContactFactory.create_batch(n, workplace=LocationFactory()),
    "config-items": lambda n: ConfigurationItemFactory.create_batch(
        n, location=LocationFactory(), owner_group=SupportGroupFactory()
    ),
    "services": lambda n: [
        ServiceFactory(owner_group=SupportGroupFactory(), cis=[ConfigurationItemFactory()]) for _ in range(n)
    ],
    "support-groups": lambda n: SupportGroupFactory.create_batch(n, manager=UserFactory()),
    "changes": lambda n: [ChangeFactory(cis=[ConfigurationItemFactory()]) for _ in range(n)],
    "locations": lambda n: [
        LocationFactory(parent=LocationFactory(name=f"Campus {n}.{i}"), kind="building", name=f"Block {n}.{i}")
        for i in range(n)
    ],
}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_runs_the_same_queries_for_2_rows_as_for_20(api, operator, name, django_assert_num_queries):
    client = api(operator)
    client.get(f"/api/v1/{name}/")  # the token's first use is noted once
    MAKERS[name](2)
    query = {"kind": "building"} if name == "locations" else {}  # not their sites
    with django_assert_num_queries(2):  # the token with its user's permissions, the page
        assert len(client.get(f"/api/v1/{name}/", query).json()["results"]) == 2
    MAKERS[name](18)
    with django_assert_num_queries(2):
        assert len(client.get(f"/api/v1/{name}/", query).json()["results"]) == 20


def test_a_cis_page_of_relationships_runs_a_fixed_number_of_queries(api, operator, django_assert_num_queries):
    switch = ConfigurationItemFactory()
    client = api(operator)
    client.get(f"/api/v1/config-items/{switch.pk}/")
    for count in (2, 20):
        while switch.incoming.count() < count:
            RelationshipFactory(target=switch)
        with django_assert_num_queries(3):  # the token with its user's permissions, the CI, the page
            client.get(f"/api/v1/config-items/{switch.pk}/relationships/")


def test_a_window_filter_takes_iso_moments(api, operator):
    soon = timezone.now() + datetime.timedelta(days=1)
    ChangeFactory(title="Tomorrow", planned_start=soon, planned_end=soon + datetime.timedelta(hours=1))
    ChangeFactory(title="Next month", planned_start=soon + datetime.timedelta(days=30))
    found = api(operator).get("/api/v1/changes/", {"planned_before": (soon + datetime.timedelta(days=2)).isoformat()})
    assert [row["title"] for row in found.json()["results"]] == ["Tomorrow"]


def test_a_patch_with_null_empties_a_field_that_may_be_empty(api, config_manager):
    ci = ConfigurationItemFactory(owner_group=SupportGroupFactory(), serial_number="SN1")
    response = api(config_manager).patch(
        f"/api/v1/config-items/{ci.pk}/", {"owner_group": None}, format="json", HTTP_IF_MATCH=etag_at(ci.updated_at)
    )
    assert response.status_code == 200, response.json()
    ci.refresh_from_db()
    assert (ci.owner_group, ci.serial_number) == (None, "SN1")


def test_a_contacts_language_is_written_and_read_through_the_api(api, config_manager):
    client = api(config_manager)
    created = client.post(
        "/api/v1/contacts/",
        {"first_name": "Daan", "last_name": "Visser", "email": "daan@example.org", "language": "nl"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert client.get(created["Location"]).json()["language"] == "nl"

    refused = client.patch(created["Location"], {"language": "fr"}, format="json", HTTP_IF_MATCH=created["ETag"])

    assert refused.status_code == 400 and "language" in refused.json()["errors"]
    assert Contact.objects.get(email="daan@example.org").language == "nl"
