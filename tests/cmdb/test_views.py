"""CMDB pages: who may read and edit, lists with filters, fixed query counts, and safe edits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cmdb.choices import CIStatus, RelationshipKind
from cmdb.models import ConfigurationItem, Contact, Relationship
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

LIST_PAGES = [
    "cmdb:ci_list",
    "cmdb:service_list",
    "cmdb:contact_list",
    "cmdb:location_list",
    "cmdb:supportgroup_list",
    "cmdb:change_list",
]
CREATE_PAGES = [
    "cmdb:ci_create",
    "cmdb:service_create",
    "cmdb:contact_create",
    "cmdb:location_create",
    "cmdb:supportgroup_create",
    "cmdb:change_create",
]


def make_rows(count: int) -> None:
    """``count`` rows of every kind, related to each other the way real data is."""
    site = LocationFactory()
    group = SupportGroupFactory(members=[UserFactory() for _ in range(2)])
    previous = None
    for _ in range(count):
        ci = ConfigurationItemFactory(location=site, owner_group=group)
        if previous is not None:
            RelationshipFactory(source=ci, target=previous)
        previous = ci
        ContactFactory(workplace=LocationFactory(parent=None))
        ServiceFactory(owner_group=group, cis=[ci])
        ChangeFactory(cis=[ci])
        SupportGroupFactory()


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_every_role_reads_the_lists(client, operator, support_member, manager, url_name):
    for user in (operator, support_member, manager):
        client.force_login(user)
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("url_name", [*LIST_PAGES, *CREATE_PAGES])
def test_an_account_without_a_role_gets_403(client, url_name):
    client.force_login(UserFactory())

    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url_name", [name for name in CREATE_PAGES if name != "cmdb:contact_create"])
def test_only_configuration_managers_may_create(client, operator, config_manager, url_name):
    client.force_login(operator)
    assert client.get(reverse(url_name)).status_code == 403

    client.force_login(config_manager)
    assert client.get(reverse(url_name)).status_code == 200


def test_the_desk_may_add_callers_but_support_may_not(client, operator, support_member):
    client.force_login(operator)
    assert client.get(reverse("cmdb:contact_create")).status_code == 200

    client.force_login(support_member)
    assert client.get(reverse("cmdb:contact_create")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("cmdb:ci_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_list_pages_run_a_fixed_number_of_queries(client, operator, url_name, django_assert_max_num_queries):
    client.force_login(operator)
    make_rows(2)
    with django_assert_max_num_queries(50) as few:
        client.get(reverse(url_name))
    make_rows(18)

    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_ci_list_filters_by_status_and_text(client, operator):
    ConfigurationItemFactory(name="mail-01", status=CIStatus.LIVE)
    ConfigurationItemFactory(name="mail-02", status=CIStatus.RETIRED)
    ConfigurationItemFactory(name="erp-db", status=CIStatus.LIVE)
    client.force_login(operator)

    response = client.get(reverse("cmdb:ci_list"), {"q": "mail", "status": "live"})

    assert [ci.name for ci in response.context["page_obj"]] == ["mail-01"]


def test_the_ci_list_sorts_by_name_or_class_from_its_headers_and_by_nothing_else(client, operator):
    ConfigurationItemFactory(name="b-web", ci_class="server")
    ConfigurationItemFactory(name="a-db", ci_class="database")
    ConfigurationItemFactory(name="c-switch", ci_class="network")
    client.force_login(operator)

    def names(**query: str) -> list[str]:
        return [ci.name for ci in client.get(reverse("cmdb:ci_list"), query).context["page_obj"]]

    page = client.get(reverse("cmdb:ci_list"), {"status": "live"}).text
    assert '<th scope="col" aria-sort="ascending"><a class="sort" href="?status=live&amp;ordering=-name">Name' in page
    assert '<th scope="col"><a class="sort" href="?status=live&amp;ordering=class">Class' in page
    assert names(ordering="-name") == ["c-switch", "b-web", "a-db"]
    assert names(ordering="class") == ["a-db", "c-switch", "b-web"]
    # A column without an index to read it in order is not sortable: the address cannot make it so.
    assert names(ordering="serial_number") == names() == ["a-db", "b-web", "c-switch"]
    assert names(ordering=",,") == names()  # empty columns are none, not an error


SORTABLE = [
    ("cmdb:service_list", ["name", "criticality", "active"]),
    ("cmdb:contact_list", ["name", "email", "department"]),
    ("cmdb:location_list", ["name", "kind"]),
    ("cmdb:supportgroup_list", ["name", "tier"]),
    ("cmdb:change_list", ["number", "state", "planned"]),
]


@pytest.mark.parametrize(("url_name", "columns"), SORTABLE)
def test_every_cmdb_list_has_sortable_headers(client, operator, url_name, columns):
    make_rows(2)
    client.force_login(operator)
    page = client.get(reverse(url_name)).text
    for column in columns:
        assert f'ordering={column}">' in page or f'ordering=-{column}">' in page
    for column in columns:
        for order in (column, f"-{column}"):
            assert client.get(reverse(url_name), {"ordering": order}).status_code == 200


def test_contacts_sort_by_department_and_keep_one_order_among_equals(client, operator):
    for first, last, department in [("Ann", "Zorn", "Sales"), ("Bob", "Abel", "Finance"), ("Cas", "Mol", "Sales"),
                                    ("Dee", "Berg", "Sales")]:  # fmt: skip
        ContactFactory(first_name=first, last_name=last, department=department)
    client.force_login(operator)

    def names(**query: str) -> list[str]:
        return [c.last_name for c in client.get(reverse("cmdb:contact_list"), query).context["page_obj"]]

    assert names() == ["Abel", "Berg", "Mol", "Zorn"]  # by name, the list's own order
    by_department = names(ordering="department")
    assert by_department[0] == "Abel"
    assert by_department == names(ordering="department")  # equals in the order they were added, every time
    assert by_department[1:] == ["Zorn", "Mol", "Berg"]
    assert names(ordering="-name") == ["Zorn", "Mol", "Berg", "Abel"]
    page = client.get(reverse("cmdb:contact_list"), {"ordering": "-department"}).text
    assert 'aria-sort="descending"><a class="sort" href="?ordering=department">Department' in page


def test_an_htmx_filter_request_gets_only_the_table(client, operator):
    ConfigurationItemFactory(name="mail-01")
    client.force_login(operator)

    response = client.get(reverse("cmdb:ci_list"), {"q": "mail"}, headers={"HX-Request": "true"})

    assert "mail-01" in response.text
    assert "<html" not in response.text


def test_an_empty_list_says_so(client, operator):
    client.force_login(operator)

    response = client.get(reverse("cmdb:ci_list"), {"q": "nothing-like-this"})

    assert "No configuration item matches these filters." in response.text


def test_lists_are_paginated(client, operator):
    ConfigurationItemFactory.create_batch(30)
    client.force_login(operator)

    response = client.get(reverse("cmdb:ci_list"), {"page": 2})

    assert len(response.context["page_obj"].object_list) == 5
    assert "Page 2 of 2" in response.text


def test_contact_list_finds_a_phone_number_however_it_is_typed(client, operator):
    ContactFactory(last_name="Visser", phone="+31 (0)20-555 12 34")
    ContactFactory(last_name="Bakker", phone="+31 30 123 4567")
    client.force_login(operator)

    response = client.get(reverse("cmdb:contact_list"), {"q": "5551234"})

    assert [contact.last_name for contact in response.context["page_obj"]] == ["Visser"]


def test_configuration_manager_creates_a_ci(client, config_manager):
    client.force_login(config_manager)

    response = client.post(
        reverse("cmdb:ci_create"),
        {"name": "vm-042", "ci_class": "vm", "status": "live", "attributes": '{"os": "Debian 12"}'},
    )

    ci = ConfigurationItem.objects.get(name="vm-042")
    assert response.url == ci.get_absolute_url()
    assert ci.attributes == {"os": "Debian 12"}


def test_bad_input_is_refused_next_to_the_field_and_changes_nothing(client, config_manager):
    ConfigurationItemFactory(name="vm-042")
    client.force_login(config_manager)

    response = client.post(
        reverse("cmdb:ci_create"), {"name": "vm-042", "ci_class": "vm", "status": "live", "attributes": "[1, 2]"}
    )

    assert response.status_code == 200
    assert "Configuration item with this Name already exists." in response.text
    assert "Attributes must be a JSON object" in response.text
    assert ConfigurationItem.objects.count() == 1


def test_a_contact_needs_some_way_to_be_reached(client, config_manager):
    client.force_login(config_manager)

    response = client.post(reverse("cmdb:contact_create"), {"first_name": "Anna", "last_name": "de Vries"})

    assert "Give at least one way to reach the caller" in response.text
    assert not Contact.objects.exists()


def test_a_conflicting_edit_is_refused_and_the_first_save_is_kept(client, config_manager):
    ci = ConfigurationItemFactory(name="vm-042", description="")
    client.force_login(config_manager)
    url = reverse("cmdb:ci_update", args=[ci.pk])
    form = client.get(url).context["form"]
    stale = {**{name: form[name].value() or "" for name in form.fields}, "ci_class": "vm", "status": "live"}
    stale["attributes"] = "{}"

    client.post(url, {**stale, "description": "first"})
    response = client.post(url, {**stale, "description": "second"})

    assert "Someone else saved this record after you opened it" in response.text
    ci.refresh_from_db()
    assert ci.description == "first"


def test_service_form_takes_ci_names_and_lists_unknown_ones(client, config_manager):
    ConfigurationItemFactory(name="mail-01")
    client.force_login(config_manager)

    response = client.post(
        reverse("cmdb:service_create"),
        {"name": "E-mail", "criticality": "high", "cis": "MAIL-01\nmail-99\n", "active": "on"},
    )

    assert "No configuration item is called: mail-99." in response.text
    response = client.post(
        reverse("cmdb:service_create"), {"name": "E-mail", "criticality": "high", "cis": "MAIL-01", "active": "on"}
    )
    assert response.status_code == 302


def test_relating_a_ci_to_itself_or_twice_is_refused_with_a_message(client, config_manager):
    app = ConfigurationItemFactory(name="payroll-app")
    vm = ConfigurationItemFactory(name="vm-042")
    client.force_login(config_manager)
    url = reverse("cmdb:relationship_create", args=[app.pk])

    response = client.post(url, {"direction": "outgoing", "kind": "runs_on", "other": "payroll-app"})
    assert "A configuration item cannot be related to itself." in response.text

    assert client.post(url, {"direction": "outgoing", "kind": "runs_on", "other": "vm-042"}).status_code == 302
    response = client.post(url, {"direction": "outgoing", "kind": "runs_on", "other": "vm-042"})
    assert "These two configuration items are already related this way." in response.text
    assert list(Relationship.objects.values_list("source", "target", "kind")) == [
        (app.pk, vm.pk, RelationshipKind.RUNS_ON)
    ]


def test_operators_cannot_relate_or_unrelate_cis(client, operator):
    link = RelationshipFactory()
    client.force_login(operator)

    assert client.post(reverse("cmdb:relationship_delete", args=[link.pk])).status_code == 403
    assert client.post(reverse("cmdb:relationship_create", args=[link.source.pk]), {}).status_code == 403
    assert Relationship.objects.count() == 1


def test_contact_search_forgives_typos_and_phone_formatting(client, operator):
    ContactFactory(first_name="Anna", last_name="Janssen", phone="020 555 1234", vip=True)
    ContactFactory(first_name="Piet", last_name="Bakker", phone="030 999 0000")
    client.force_login(operator)
    url = reverse("cmdb:contact_search")

    assert "Janssen" in client.get(url, {"q": "jansen"}).text
    by_phone = client.get(url, {"q": "5551234"}).text
    assert "Janssen" in by_phone
    assert "Bakker" not in by_phone
    assert "No caller matches" in client.get(url, {"q": "zzzz"}).text


def test_ci_search_finds_serial_numbers_and_asset_tags(client, operator):
    ConfigurationItemFactory(name="laptop-0042", serial_number="PF3X9KQ", asset_tag="AT-00042")
    client.force_login(operator)
    url = reverse("cmdb:ci_search")

    assert "laptop-0042" in client.get(url, {"q": "pf3x9kq"}).text
    assert "laptop-0042" in client.get(url, {"q": "AT-00042"}).text
    assert "laptop-0042" in client.get(url, {"q": "laptp-0042"}).text


def test_location_search_says_where_each_location_is(client, operator):
    amsterdam = LocationFactory(name="Amsterdam")
    tower = LocationFactory(name="Tower", kind="building", parent=amsterdam)
    floor = LocationFactory(name="Floor 2", kind="floor", parent=tower)
    LocationFactory(
        name="Floor 2", kind="floor", parent=LocationFactory(name="Annex", kind="building", parent=amsterdam)
    )
    LocationFactory(name="Rotterdam")
    client.force_login(operator)
    url = reverse("cmdb:location_search")

    found = client.get(url, {"q": "floor"}).text

    assert found.count('role="option"') == 2
    assert f'data-id="{floor.pk}" data-name="Floor 2"' in found
    assert "Floor · Tower, Amsterdam" in found
    assert "Floor · Annex, Amsterdam" in found
    assert "Rotterdam" not in found
    assert "No location matches “zzzz”" in client.get(url, {"q": "zzzz"}).text
    assert client.get(url, {"q": ""}).text.strip() == ""


def test_location_search_needs_a_role_and_a_get(client, operator):
    LocationFactory(name="Amsterdam")
    url = reverse("cmdb:location_search")
    assert client.get(url, {"q": "ams"}).status_code == 302  # anonymous: to sign in

    client.force_login(UserFactory())
    assert client.get(url, {"q": "ams"}).status_code == 403

    client.force_login(operator)
    assert client.post(url, {"q": "ams"}).status_code == 405


def related_ci(count: int):
    """A CI with ``count`` of everything around it: links both ways, services, changes."""
    ci = ConfigurationItemFactory(location=LocationFactory(), owner_group=SupportGroupFactory())
    for _ in range(count):
        RelationshipFactory(source=ci)
        app = ConfigurationItemFactory()
        RelationshipFactory(source=app, target=ci)
        ServiceFactory(cis=[app])
        ServiceFactory(cis=[ci])
        ChangeFactory(cis=[ci])
    return ci


def detail_urls(count: int) -> list[str]:
    ci = related_ci(count)
    service = ServiceFactory(cis=[ci, *ConfigurationItemFactory.create_batch(count)])
    site = LocationFactory()
    for _ in range(count):
        LocationFactory(parent=site, kind="building")
    group = SupportGroupFactory(members=UserFactory.create_batch(count))
    for _ in range(count):
        ServiceFactory(owner_group=group)
    change = ChangeFactory(cis=ConfigurationItemFactory.create_batch(count))
    contact = ContactFactory(workplace=site)
    return [
        reverse("cmdb:ci_detail", args=[ci.pk]),
        reverse("cmdb:ci_relationships", args=[ci.pk]) + "?direction=incoming",
        reverse("cmdb:ci_relationships", args=[ci.pk]) + "?direction=outgoing",
        reverse("cmdb:service_detail", args=[service.pk]),
        reverse("cmdb:location_detail", args=[site.pk]),
        reverse("cmdb:supportgroup_detail", args=[group.pk]),
        reverse("cmdb:change_detail", args=[change.number]),
        reverse("cmdb:contact_detail", args=[contact.pk]),
    ]


def test_detail_pages_run_a_fixed_number_of_queries(client, config_manager, django_assert_max_num_queries):
    client.force_login(config_manager)
    counts = {}
    for size in (2, 20):
        for position, url in enumerate(detail_urls(size)):
            with django_assert_max_num_queries(60) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts.setdefault(position, []).append(len(queries.captured_queries))

    assert all(small == large for small, large in counts.values()), counts


def test_ci_page_shows_the_services_it_affects_and_recent_changes(client, operator):
    db = ConfigurationItemFactory(name="erp-db")
    app = ConfigurationItemFactory(name="erp-app")
    RelationshipFactory(source=app, target=db)
    ServiceFactory(name="ERP", cis=[app])
    ChangeFactory(title="Patch the ERP database", cis=[db])
    client.force_login(operator)

    page = client.get(reverse("cmdb:ci_detail", args=[db.pk])).text

    assert "ERP" in page
    assert "erp-app" in page
    assert "Patch the ERP database" in page
    assert "Add a relationship" not in page  # operators read, they do not edit


def test_a_hub_ci_shows_its_first_relationships_and_pages_through_the_rest(client, config_manager, monkeypatch):
    monkeypatch.setattr("cmdb.selectors.RELATIONSHIPS_SHOWN", 3)
    monkeypatch.setattr("cmdb.views.cis.CIRelationshipsView.paginate_by", 4)
    switch = ConfigurationItemFactory(name="core-sw-01")
    RelationshipFactory(source=switch, target=ConfigurationItemFactory(name="power-feed-a"))
    for n in range(5):
        RelationshipFactory(source=ConfigurationItemFactory(name=f"dist-sw-{n:02d}"), target=switch)
    client.force_login(config_manager)

    page = client.get(reverse("cmdb:ci_detail", args=[switch.pk])).text
    assert [f"dist-sw-{n:02d}" in page for n in range(5)] == [True, True, True, False, False]
    assert "The first 3 of 5: all of them" in page
    assert page.count("all of them") == 1  # the one it relies on is shown whole

    everything = client.get(reverse("cmdb:ci_relationships", args=[switch.pk]), {"direction": "incoming"}).text
    rest = client.get(reverse("cmdb:ci_relationships", args=[switch.pk]), {"direction": "incoming", "page": 2}).text
    assert "5 relationships." in everything
    assert [f"dist-sw-{n:02d}" in everything for n in range(5)] == [True, True, True, True, False]
    assert "dist-sw-04" in rest
    assert "remove" in rest
    relied_on = client.get(reverse("cmdb:ci_relationships", args=[switch.pk]), {"direction": "outgoing"}).text
    assert "power-feed-a" in relied_on
    assert "dist-sw-00" not in relied_on


def test_a_cis_free_attributes_are_labelled_for_people(client, operator):
    ci = ConfigurationItemFactory(attributes={"retention_days": 30, "functional_level": "2016"})
    client.force_login(operator)

    page = client.get(reverse("cmdb:ci_detail", args=[ci.pk])).text

    assert "<dt>Retention days</dt><dd>30</dd>" in page
    assert "retention_days" not in page


def test_only_those_who_may_see_the_cmdb_see_a_cis_relationships(client):
    ci = ConfigurationItemFactory()
    client.force_login(UserFactory())

    response = client.get(reverse("cmdb:ci_relationships", args=[ci.pk]))

    assert response.status_code == 403


def test_service_page_shows_the_tree_it_is_built_from(client, operator):
    db = ConfigurationItemFactory(name="erp-db")
    app = ConfigurationItemFactory(name="erp-app")
    RelationshipFactory(source=app, target=db)
    service = ServiceFactory(name="ERP", cis=[app])
    client.force_login(operator)

    page = client.get(reverse("cmdb:service_detail", args=[service.pk])).text

    assert page.index("erp-app") < page.index("erp-db")
    assert 'class="tree-node depth-1"' in page


def test_list_pages_export_the_filtered_rows_as_csv(client, operator):
    ConfigurationItemFactory(name="mail-01")
    ConfigurationItemFactory(name="erp-db")
    client.force_login(operator)

    response = client.get(reverse("cmdb:ci_list"), {"q": "mail", "export": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert "mail-01" in body
    assert "erp-db" not in body


def test_yes_no_filters_offer_any_and_filter_on_yes(client, operator):
    ContactFactory(last_name="Visser", vip=True)
    ContactFactory(last_name="Bakker", vip=False)
    client.force_login(operator)

    everyone = client.get(reverse("cmdb:contact_list"))
    vips = client.get(reverse("cmdb:contact_list"), {"vip": "true"})

    assert '<option value="" selected>Any</option>' in everyone.text
    assert [contact.last_name for contact in vips.context["page_obj"]] == ["Visser"]
