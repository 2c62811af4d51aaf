"""The call-logging page, the incident list and the incident page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from cmdb.models import Contact
from incidents.choices import Impact, Urgency
from incidents.models import Incident
from incidents.recording import calls
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, ServiceFactory
from tests.incidents.factories import RootCauseFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "caller": "",
        "caller_id": "",
        "short_description": "Outlook keeps asking for my password",
        "symptoms": "Since this morning Outlook asks for my password every few minutes.",
        "channel": "phone",
        "occurred_at": (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "service": "",
        "cis": "",
        "location": "",
        "affected_users": "1",
        "impact": "3",
        "urgency": "2",
    }
    return {**data, **overrides}


def test_support_members_are_refused_the_page_with_the_reason(client, support_member):
    client.force_login(support_member)

    response = client.get(reverse("incidents:record"))

    assert response.status_code == 403
    assert "Only the service desk records incidents" in response.text
    assert client.post(reverse("incidents:record"), form_data()).status_code == 403
    assert not Incident.objects.exists()


def test_an_operator_logs_a_call_and_lands_on_the_new_incident(client, operator):
    caller = ContactFactory(first_name="Anna", last_name="Janssen", email="anna.janssen@example.org")
    ci = ConfigurationItemFactory(name="exchange-01")
    client.force_login(operator)
    opened = client.get(reverse("incidents:record")).context["form"].initial["opened"]

    response = client.post(
        reverse("incidents:record"),
        form_data(caller="Anna Janssen", caller_id=str(caller.pk), cis="exchange-01", opened=opened),
        follow=True,
    )

    incident = Incident.objects.get()
    assert response.redirect_chain == [(incident.get_absolute_url(), 302)]
    assert f"{incident.number} recorded." in response.text
    assert incident.caller == caller
    assert list(incident.cis.all()) == [ci]
    assert incident.logging_seconds is not None and incident.logging_seconds < 60


def test_a_caller_typed_as_an_email_address_is_found_without_the_picker(client, operator):
    caller = ContactFactory(email="piet.bakker@example.org")
    client.force_login(operator)

    client.post(reverse("incidents:record"), form_data(caller="PIET.BAKKER@example.org"))

    assert Incident.objects.get().caller == caller


def test_a_forged_opening_time_is_ignored(client, operator):
    ContactFactory(email="piet.bakker@example.org")
    client.force_login(operator)

    client.post(reverse("incidents:record"), form_data(caller="piet.bakker@example.org", opened="1700000000"))

    assert Incident.objects.get().logging_seconds is None


def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(client, operator):
    client.force_login(operator)
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(
        reverse("incidents:record"),
        form_data(caller="nobody@example.org", short_description="", occurred_at=future, cis="no-such-ci", impact="9"),
    )

    errors = response.context["form"].errors
    assert "No active caller is known as" in errors["caller"][0]
    assert "short_description" in errors
    assert errors["cis"] == ["No configuration item is called: no-such-ci."]
    assert "impact" in errors
    assert not Incident.objects.exists()


def test_an_occurred_time_in_the_future_is_refused(client, operator):
    ContactFactory(email="piet.bakker@example.org")
    client.force_login(operator)
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(reverse("incidents:record"), form_data(caller="piet.bakker@example.org", occurred_at=future))

    assert response.context["form"].errors["occurred_at"] == ["The incident cannot have occurred in the future."]
    assert not Incident.objects.exists()


def test_the_occurred_field_is_one_text_box_prefilled_with_now_the_portals_way(client, operator):
    client.force_login(operator)
    before = formats.date_format(timezone.localtime(), "DATETIME_FORMAT")

    page = client.get(reverse("incidents:record")).text

    after = formats.date_format(timezone.localtime(), "DATETIME_FORMAT")
    [box] = re.findall(r'<input [^>]*name="occurred_at"[^>]*>', page)
    assert 'type="text"' in box and "datetime-local" not in box
    assert f'value="{before}"' in box or f'value="{after}"' in box
    assert "“now”, “14:05” (today), “-20m” (20 minutes ago)" in page


def test_the_occurred_time_is_typed_as_the_desk_says_it(client, operator):
    ContactFactory(email="piet.bakker@example.org")
    client.force_login(operator)

    before = timezone.now()
    client.post(reverse("incidents:record"), form_data(caller="piet.bakker@example.org", occurred_at="-20m"))
    after = timezone.now()

    # Twenty minutes before the request, to the minute, however long the request took on a loaded machine.
    occurred = Incident.objects.get().occurred_at
    assert before - datetime.timedelta(minutes=21) < occurred <= after - datetime.timedelta(minutes=19)


def test_an_unreadable_occurred_time_is_refused_with_how_to_write_it(client, operator):
    ContactFactory(email="piet.bakker@example.org")
    client.force_login(operator)

    response = client.post(reverse("incidents:record"), form_data(caller="piet.bakker@example.org", occurred_at="ok"))

    [error] = response.context["form"].errors["occurred_at"]
    assert error.startswith("Write when, for example")
    assert 'value="ok"' in response.text  # what was typed stays, to correct it
    assert not Incident.objects.exists()


def test_the_priority_preview_follows_the_matrix(client, operator):
    client.force_login(operator)

    response = client.get(reverse("incidents:priority_preview"), {"impact": "1", "urgency": "1"})

    assert "P1 · Critical" in response.text
    assert "choose impact and urgency" in client.get(reverse("incidents:priority_preview"), {"impact": "x"}).text


def make_incidents(operator, count: int) -> Incident:
    service = ServiceFactory()
    master = calls.incident_record(
        by=operator, caller=ContactFactory(), short_description="Master", occurred_at=timezone.now(),
        impact=Impact.HIGH, urgency=Urgency.HIGH, service=service, cis=ConfigurationItemFactory.create_batch(count),
    )  # fmt: skip
    for _ in range(count):
        calls.incident_record(
            by=operator, caller=ContactFactory(), short_description="Me too", occurred_at=timezone.now(),
            impact=Impact.LOW, urgency=Urgency.LOW, service=service, parent=master,
        )  # fmt: skip
        calls.incident_add_call(by=operator, incident_id=master.pk, caller=ContactFactory(), symptoms="Again")
    return master


@pytest.mark.parametrize("page", ["list", "detail"])
def test_pages_run_a_fixed_number_of_queries(client, operator, page, django_assert_max_num_queries):
    client.force_login(operator)
    counts = []
    for size in (2, 20):
        master = make_incidents(operator, size)
        url = reverse("incidents:incident_list") if page == "list" else master.get_absolute_url()
        with django_assert_max_num_queries(40) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_the_incident_page_shows_subordinates_and_the_journal(client, manager, operator):
    master = make_incidents(operator, 2)
    client.force_login(manager)

    page = client.get(master.get_absolute_url()).text

    assert "2 subordinate incidents" in page
    assert page.count("Call added") == 2
    assert "Subordinate recorded" in page


def test_the_list_filters_by_text_and_state(client, operator):
    make_incidents(operator, 2)
    client.force_login(operator)

    response = client.get(reverse("incidents:incident_list"), {"q": "master", "state": "recorded"})

    assert [incident.short_description for incident in response.context["page_obj"]] == ["Master"]


def test_administrators_edit_the_matrix_but_never_an_incident(client, administrator, operator):
    incident = make_incidents(operator, 1)
    client.force_login(administrator)

    assert client.get(reverse("admin:incidents_priorityrule_changelist")).status_code == 200
    assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 200
    response = client.post(reverse("admin:incidents_incident_change", args=[incident.pk]), {"short_description": "x"})
    assert response.status_code in (302, 403)
    incident.refresh_from_db()
    assert incident.short_description == "Master"


def open_incident(operator, **overrides) -> Incident:
    values = {
        "by": operator, "caller": ContactFactory(), "short_description": "VPN does not connect after password change",
        "symptoms": "The VPN client says authentication failed.", "occurred_at": timezone.now(),
        "impact": Impact.LOW, "urgency": Urgency.LOW,
    }  # fmt: skip
    return calls.incident_record(**{**values, **overrides})


def test_the_similar_panel_offers_the_open_incident_and_both_actions(client, operator):
    master = open_incident(operator)
    client.force_login(operator)

    panel = client.get(reverse("incidents:similar"), {"short_description": "vpn authentication failed"}).text

    assert master.number in panel
    assert f"Add this call to {master.number}" in panel
    assert f"Record as subordinate of {master.number}" in panel


def test_adding_the_call_from_the_logging_form_journals_it_on_the_open_incident(client, operator):
    master = open_incident(operator)
    caller = ContactFactory(email="piet@example.org", first_name="Piet", last_name="Bakker")
    client.force_login(operator)

    response = client.post(
        reverse("incidents:add_call", args=[master.number]),
        form_data(caller="piet@example.org", short_description="VPN broken for me too", impact="2", urgency="3"),
        follow=True,
    )

    assert f"The call was added to {master.number}." in response.text
    master.refresh_from_db()
    assert (master.affected_users, master.impact) == (2, Impact.MEDIUM)
    assert Incident.objects.count() == 1
    entry = master.journal.get(kind="call_added")
    assert entry.data["caller_id"] == caller.pk
    assert "VPN broken for me too" in entry.text


def test_recording_a_subordinate_raises_the_master_when_asked(client, operator):
    master = open_incident(operator)
    ContactFactory(email="piet@example.org")
    client.force_login(operator)

    client.post(
        f"{reverse('incidents:record')}?parent={master.number}",
        form_data(caller="piet@example.org", impact="1", urgency="1", raise_master="on"),
    )

    subordinate = Incident.objects.exclude(pk=master.pk).get()
    master.refresh_from_db()
    assert subordinate.parent == master
    assert (master.impact, master.urgency, master.priority) == (1, 1, 1)
    assert list(master.journal.values_list("kind", flat=True)) == [
        "recorded",
        "subordinate_recorded",
        "priority_changed",
    ]


def test_support_members_cannot_add_calls_either(client, operator, support_member):
    master = open_incident(operator)
    client.force_login(support_member)

    response = client.post(reverse("incidents:add_call", args=[master.number]), form_data(caller="x"))

    assert response.status_code == 403
    assert client.get(reverse("incidents:similar"), {"short_description": "vpn"}).status_code == 403


def test_the_desk_adds_an_unknown_caller_without_leaving_the_form(client, operator):
    client.force_login(operator)
    url = reverse("incidents:caller_create")

    refused = client.post(url, {"new_caller-first_name": "Eva", "new_caller-last_name": "de Wit"})
    added = client.post(
        url, {"new_caller-first_name": "Eva", "new_caller-last_name": "de Wit", "new_caller-phone": "010 123 4567"}
    )

    assert refused.headers["HX-Retarget"] == "#new-caller"
    assert "Give at least one way to reach the caller" in refused.text
    contact = Contact.objects.get()
    assert contact.full_name == "Eva de Wit"
    assert f'data-id="{contact.pk}"' in added.text and "data-autochoose" in added.text


def test_support_members_cannot_add_callers_from_the_form(client, support_member):
    client.force_login(support_member)

    response = client.post(reverse("incidents:caller_create"), {"new_caller-first_name": "x"})

    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_a_refused_add_call_returns_to_a_logging_form_that_records_not_adds(client, operator):
    master = open_incident(operator)
    client.force_login(operator)

    response = client.post(reverse("incidents:add_call", args=[master.number]), form_data(caller="nobody"))

    assert response.status_code == 400
    assert "No active caller is known as" in response.text
    assert f'action="{reverse("incidents:record")}"' in response.text
    assert "Caller not found? Add them" in response.text
    master.refresh_from_db()
    assert master.affected_users == 1


def test_an_administrator_keeps_the_root_causes_and_cannot_delete_one_in_use(client, administrator, operator):
    used, unused = RootCauseFactory(name="Capacity"), RootCauseFactory(name="Gremlins")
    incident = Incident.objects.create(caller=ContactFactory(), desk_owner=operator, occurred_at=timezone.now(),
                                       reported_at=timezone.now(), short_description="Disk full")  # fmt: skip
    Incident.objects.filter(pk=incident.pk).update(root_cause=used)
    client.force_login(administrator)

    listing = client.get(reverse("admin:incidents_rootcause_changelist")).content.decode()
    assert "Capacity" in listing and "Gremlins" in listing
    assert client.get(reverse("admin:incidents_rootcause_delete", args=[used.pk])).status_code == 403
    assert client.get(reverse("admin:incidents_rootcause_delete", args=[unused.pk])).status_code == 200
