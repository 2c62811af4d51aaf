"""The call-logging form's service and location pickers (issue 21): chosen by searching, never from a select of
every record; an inactive service refused by name; a form shown again keeps what was chosen."""

from __future__ import annotations

import datetime

import factory
import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from tests.cmdb.factories import ContactFactory, LocationFactory, ServiceFactory
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db

RECORD = reverse("incidents:record")


def call(**overrides) -> dict[str, str]:
    """The logging form as the browser posts it: each picker sends its hidden id and the text of its box."""
    data = {
        "caller": "",
        "caller_id": str(ContactFactory().pk),
        "short_description": "Payroll export fails",
        "symptoms": "",
        "channel": "phone",
        "occurred_at": (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"),
        "service": "",
        "service_text": "",
        "cis": "",
        "location": "",
        "location_text": "",
        "affected_users": "1",
        "impact": "3",
        "urgency": "2",
    }
    return {**data, **overrides}


def field_errors(response, name: str) -> list[str]:
    return response.context["form"].errors.get(name, [])


def test_the_logging_page_lists_no_service_or_location_whatever_the_cmdb_holds(
    client, operator, django_assert_num_queries
):
    client.force_login(operator)
    client.get(RECORD)  # the operator's permissions and the configuration read once, as on a desk's second call
    pages = []
    for count in (2, 50):
        ServiceFactory.create_batch(count, name=factory.Sequence(lambda n: f"Catalogue service {n}"))
        LocationFactory.create_batch(count, name=factory.Sequence(lambda n: f"Office {n}"))
        # The session, the user with their permissions and roles, the incident storms of the last 30 minutes, and
        # the active incident templates (at most 200 names).
        with django_assert_num_queries(4):
            response = client.get(RECORD)
        assert response.status_code == 200
        pages.append(response.text)

    for page in pages:
        assert "Catalogue service" not in page
        assert "Office" not in page
    # The channel, impact and urgency selects are all that is left: as many options with 4 records as with 104.
    assert pages[0].count("<option") == pages[1].count("<option") == 11
    assert 'id="id_service_text"' in pages[1]
    assert f'data-hx-get="{reverse("cmdb:service_search")}"' in pages[1]
    assert f'data-hx-get="{reverse("cmdb:location_search")}"' in pages[1]
    # The new caller's workplace (in the same page, for the desk) is a picker too.
    assert 'id="id_new_caller-workplace_text"' in pages[1]


def test_the_service_and_location_picked_are_recorded(client, operator):
    payroll, office = ServiceFactory(name="Payroll"), LocationFactory(name="Head office")
    client.force_login(operator)

    response = client.post(
        RECORD,
        call(service=payroll.pk, service_text="Payroll", location=office.pk, location_text="Head office"),
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert (incident.service, incident.location) == (payroll, office)


def test_a_service_typed_without_choosing_is_found_by_its_whole_name(client, operator):
    """Without the script only the box's text is sent; typed over a choice, the text decides."""
    payroll, mail = ServiceFactory(name="Payroll"), ServiceFactory(name="E-mail")
    client.force_login(operator)

    client.post(RECORD, call(service_text="payroll"))
    client.post(RECORD, call(service=payroll.pk, service_text="E-mail", short_description="Second"))

    assert [incident.service for incident in Incident.objects.order_by("pk")] == [payroll, mail]


def test_a_service_name_that_matches_none_is_refused_and_nothing_is_saved(client, operator):
    ServiceFactory(name="Payroll")
    client.force_login(operator)

    response = client.post(RECORD, call(service_text="payr"))

    assert response.status_code == 200
    assert field_errors(response, "service") == ["No service is called “payr”: search, and choose one from the list."]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("how", ["picked", "typed"])
def test_an_inactive_service_is_refused_by_its_name(client, operator, how):
    retired = ServiceFactory(name="Fax gateway", active=False)
    client.force_login(operator)
    sent = (
        {"service": retired.pk, "service_text": "Fax gateway"} if how == "picked" else {"service_text": "fax gateway"}
    )

    response = client.post(RECORD, call(**sent))

    assert field_errors(response, "service") == ["The service “Fax gateway” is no longer active: choose another one."]
    assert not Incident.objects.exists()


def test_a_service_value_that_is_no_id_or_is_gone_is_refused(client, operator):
    client.force_login(operator)
    gone = ServiceFactory(name="Old")
    gone_id = gone.pk
    gone.delete()

    not_an_id = client.post(RECORD, call(service="'; drop table", service_text=""))
    vanished = client.post(RECORD, call(service=gone_id, service_text=""))

    assert field_errors(not_an_id, "service") == ["Choose from the list: that is not one of its records."]
    assert field_errors(vanished, "service") == ["That choice no longer exists: search again."]
    assert not Incident.objects.exists()


def test_a_form_refused_for_another_field_keeps_the_chosen_service_and_location(client, operator):
    payroll, office = ServiceFactory(name="Payroll"), LocationFactory(name="Head office")
    client.force_login(operator)

    response = client.post(
        RECORD,
        call(
            short_description="",
            service=payroll.pk,
            service_text="Payroll",
            location=office.pk,
            location_text="Head office",
        ),
    )

    assert field_errors(response, "short_description")
    page = response.text
    assert f'<input type="hidden" name="service" id="id_service" value="{payroll.pk}">' in page
    assert 'name="service_text" id="id_service_text" value="Payroll"' in page
    assert f'<input type="hidden" name="location" id="id_location" value="{office.pk}">' in page
    assert 'name="location_text" id="id_location_text" value="Head office"' in page


def test_a_refused_service_is_shown_by_what_was_typed_with_no_id_kept(client, operator):
    retired = ServiceFactory(name="Fax gateway", active=False)
    client.force_login(operator)

    page = client.post(RECORD, call(service=retired.pk, service_text="Fax gateway")).text

    assert '<input type="hidden" name="service" id="id_service" value="">' in page
    assert 'name="service_text" id="id_service_text" value="Fax gateway"' in page
    assert 'aria-invalid="true"' in page


def test_a_refused_add_call_shows_the_logging_form_with_the_service_still_chosen(client, operator):
    master = record(operator)
    payroll = ServiceFactory(name="Payroll")
    client.force_login(operator)

    # No caller: the call cannot be added, and the form comes back as it was sent.
    response = client.post(
        reverse("incidents:add_call", args=[master.number]),
        call(caller_id="", service=payroll.pk, service_text="Payroll"),
    )

    assert response.status_code == 400
    assert f'<input type="hidden" name="service" id="id_service" value="{payroll.pk}">' in response.text
    assert 'name="service_text" id="id_service_text" value="Payroll"' in response.text


def test_a_location_name_in_several_buildings_must_be_chosen_from_the_list(client, operator):
    for building in ("Tower", "Annex"):
        LocationFactory(name="Floor 2", kind="floor", parent=LocationFactory(name=building, kind="building"))
    client.force_login(operator)

    response = client.post(RECORD, call(location_text="floor 2"))

    assert field_errors(response, "location") == [
        "More than one location is called “floor 2”: search, and choose one from the list."
    ]
    assert not Incident.objects.exists()


def test_the_desk_adds_a_caller_with_a_workplace_chosen_by_searching(client, operator):
    office = LocationFactory(name="Head office")
    client.force_login(operator)

    response = client.post(
        reverse("incidents:caller_create"),
        {
            "new_caller-first_name": "Eva",
            "new_caller-last_name": "de Wit",
            "new_caller-phone": "010 123 4567",
            "new_caller-workplace": str(office.pk),
            "new_caller-workplace_text": "Head office",
        },
    )

    assert response.status_code == 200
    assert ContactFactory._meta.model.objects.get(last_name="de Wit").workplace == office


def test_the_ci_context_proposes_its_service_with_the_name_the_picker_shows(client, operator):
    from tests.cmdb.factories import ConfigurationItemFactory

    exchange = ConfigurationItemFactory(name="exchange-01")
    mail = ServiceFactory(name="Mail", criticality="critical", cis=[exchange])
    calendar = ServiceFactory(name="Calendar", criticality="medium", cis=[exchange])
    client.force_login(operator)

    page = client.get(reverse("incidents:ci_context"), {"cis": "exchange-01"}).text

    assert f'data-propose-service="{mail.pk}" data-service-name="Mail"' in page
    assert f'data-use-service="{calendar.pk}" data-service-name="Calendar"' in page


# --- The incident's "Change details" page: the same pickers ---------------------------------------------------


def details(incident: Incident, **overrides) -> dict[str, str]:
    data = {
        "version": incident.version, "short_description": incident.short_description, "symptoms": incident.symptoms,
        "channel": incident.channel, "service": "", "service_text": "", "cis": "", "location": "",
        "location_text": "", "affected_users": incident.affected_users,
    }  # fmt: skip
    return {**data, **overrides}


def test_the_details_page_shows_the_incidents_service_by_name_and_lists_no_other(client, operator):
    payroll, office = ServiceFactory(name="Payroll"), LocationFactory(name="Head office")
    ServiceFactory.create_batch(5, name=factory.Sequence(lambda n: f"Catalogue service {n}"))
    incident = record(operator, service=payroll, location=office)
    client.force_login(operator)

    page = client.get(reverse("incidents:edit", args=[incident.number])).text

    assert f'<input type="hidden" name="service" id="id_service" value="{payroll.pk}">' in page
    assert 'name="service_text" id="id_service_text" value="Payroll"' in page
    assert 'name="location_text" id="id_location_text" value="Head office"' in page
    assert "Catalogue service" not in page


def test_the_details_keep_a_service_retired_since_but_refuse_another_inactive_one(client, operator):
    payroll = ServiceFactory(name="Payroll")
    incident = record(operator, service=payroll)
    payroll.active = False
    payroll.save()
    ServiceFactory(name="Fax gateway", active=False)
    client.force_login(operator)
    url = reverse("incidents:edit", args=[incident.number])

    kept = client.post(url, details(incident, service=payroll.pk, service_text="Payroll", affected_users="3"))
    incident.refresh_from_db()
    refused = client.post(url, details(incident, service_text="Fax gateway"))

    assert kept.status_code == 302
    incident.refresh_from_db()
    assert (incident.service, incident.affected_users) == (payroll, 3)
    assert refused.status_code == 400
    assert "The service “Fax gateway” is no longer active: choose another one." in refused.text
