"""Incident templates: who manages them, what a save checks and keeps, the pages that manage them, and the
call-logging page that starts from one (the incident keeps it; classification proposes its category)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.canned import incident_templates as templates
from incidents.choices import Impact, Urgency
from incidents.forms.steps import ClassifyForm
from incidents.models import Incident, IncidentTemplate
from tests.cmdb.factories import ContactFactory, ServiceFactory
from tests.incidents.workflow import record
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:template_list")
NEW = reverse("incidents:template_create")
RECORD = reverse("incidents:record")


def template(by, name="Password reset", **fields) -> IncidentTemplate:
    values = {"short_description": "Forgotten password", "symptoms": "Which account? Locked out?"}
    return templates.incident_template_create(by=by, name=name, **{**values, **fields})


# Writes


def test_a_template_is_saved_with_its_first_revision(operator):
    service, category = ServiceFactory(name="E-mail"), CategoryFactory(name="Accounts")
    saved = template(operator, service=service, category=category, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    (revision,) = saved.revisions.all()
    assert revision.by == operator
    assert revision.fields == {
        "name": "Password reset", "short_description": "Forgotten password", "symptoms": "Which account? Locked out?",
        "service": "E-mail", "category": "Accounts", "impact": Impact.MEDIUM, "urgency": Urgency.HIGH, "active": True,
    }  # fmt: skip
    assert (revision.impact_label, revision.urgency_label) == ("Medium", "High")


def test_a_change_keeps_every_version(operator, manager):
    saved = template(operator)
    templates.incident_template_update(
        by=manager, template_id=saved.pk, active=True, name="Password reset", short_description="Locked out",
        symptoms="", service=None, category=None, impact=Impact.LOW, urgency=Urgency.LOW,
    )  # fmt: skip
    assert [revision.fields["short_description"] for revision in templates.template_revisions(saved)] == [
        "Locked out",
        "Forgotten password",
    ]
    assert IncidentTemplate.objects.get(pk=saved.pk).updated_by == manager


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "A template needs a name."),
        ({"short_description": ""}, "short_description", "A template needs a short description."),
        ({"name": "PASSWORD RESET"}, None, "Another template already has this name."),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(operator, fields, field, message):
    template(operator)
    with pytest.raises(ValidationError) as refused:
        template(operator, **fields)
    errors = refused.value.message_dict if field else {None: refused.value.messages}
    assert message in errors[field]
    assert IncidentTemplate.objects.count() == 1


def test_a_retired_service_or_category_is_refused_on_an_active_template(operator):
    with pytest.raises(ValidationError) as refused:
        template(operator, service=ServiceFactory(name="Fax", active=False), category=CategoryFactory(active=False))
    assert set(refused.value.message_dict) == {"service", "category"}


def test_deactivating_keeps_a_template_whose_service_was_retired_since(operator):
    service = ServiceFactory(name="Fax")
    saved = template(operator, service=service)
    service.active = False
    service.save()
    templates.incident_template_deactivate(by=operator, template_id=saved.pk)
    saved.refresh_from_db()
    assert (saved.active, saved.service) == (False, service)
    assert saved.revisions.count() == 2


def test_support_does_not_manage_templates(support_member, operator):
    with pytest.raises(PermissionDenied):
        template(support_member)
    saved = template(operator)
    with pytest.raises(PermissionDenied):
        templates.incident_template_deactivate(by=support_member, template_id=saved.pk)


# The pages that manage them


def test_the_list_searches_and_shows_the_inactive_ones_on_asking(client, operator):
    template(operator, name="Printer jam", short_description="Paper stuck")
    retired = template(operator, name="Fax line", short_description="No dial tone")
    templates.incident_template_deactivate(by=operator, template_id=retired.pk)
    client.force_login(operator)

    listed = client.get(LIST).text
    assert "Printer jam" in listed and "Fax line" not in listed
    assert "Fax line" in client.get(LIST, {"show": "inactive"}).text
    assert "Printer jam" not in client.get(LIST, {"q": "dial"}).text
    assert "No template matches this search." in client.get(LIST, {"q": "nothing like it"}).text


def test_an_empty_list_says_what_templates_are_for(client, manager):
    client.force_login(manager)
    assert "No incident template yet." in client.get(LIST).text


def test_creating_through_the_page_saves_and_a_bad_form_says_why(client, operator):
    client.force_login(operator)
    service = ServiceFactory(name="VPN")
    response = client.post(NEW, {"name": "VPN down", "short_description": "", "impact": 3, "urgency": 2})
    assert response.status_code == 400
    assert not IncidentTemplate.objects.exists()

    response = client.post(NEW, {"name": "VPN down", "short_description": "VPN does not connect",
                                 "service": service.pk, "impact": 2, "urgency": 1})  # fmt: skip
    assert response.status_code == 302
    saved = IncidentTemplate.objects.get()
    assert (saved.service, saved.impact, saved.urgency, saved.created_by) == (service, 2, 1, operator)


def test_editing_shows_the_history_and_deactivating_is_a_post(client, operator):
    saved = template(operator)
    client.force_login(operator)
    page = client.get(reverse("incidents:template_edit", args=[saved.pk]))
    assert "History" in page.text and "Forgotten password" in page.text
    deactivate = reverse("incidents:template_deactivate", args=[saved.pk])
    assert client.get(deactivate).status_code == 405
    assert client.post(deactivate).status_code == 302
    assert not IncidentTemplate.objects.get(pk=saved.pk).active


def test_support_cannot_open_the_pages(client, support_member, operator):
    saved = template(operator)
    client.force_login(support_member)
    assert client.get(LIST).status_code == 403
    assert client.post(NEW, {"name": "x", "short_description": "y", "impact": 3, "urgency": 2}).status_code == 403
    assert client.get(reverse("incidents:template_filling", args=[saved.pk])).status_code == 403
    assert not IncidentTemplate.objects.filter(name="x").exists()


def test_a_manager_manages_but_does_not_log_calls(client, manager, operator):
    saved = template(operator)
    client.force_login(manager)
    listed = client.get(LIST).text
    assert reverse("incidents:template_edit", args=[saved.pk]) in listed
    assert f"{RECORD}?template={saved.pk}" not in listed
    assert client.get(reverse("incidents:template_filling", args=[saved.pk])).status_code == 403


# Logging a call from a template


def test_the_filling_is_what_the_form_takes_and_an_inactive_template_fills_nothing(client, operator):
    saved = template(operator, service=ServiceFactory(name="E-mail"), category=CategoryFactory(name="Accounts"))
    client.force_login(operator)
    filling = client.get(reverse("incidents:template_filling", args=[saved.pk])).json()
    assert filling == {
        "template": saved.pk, "short_description": "Forgotten password", "symptoms": "Which account? Locked out?",
        "service": saved.service_id, "service_text": "E-mail", "impact": Impact.LOW, "urgency": Urgency.MEDIUM,
        "category": "Accounts",
    }  # fmt: skip
    templates.incident_template_deactivate(by=operator, template_id=saved.pk)
    assert client.get(reverse("incidents:template_filling", args=[saved.pk])).status_code == 404


def test_the_logging_page_offers_the_active_templates_and_fills_in_from_the_address(client, operator):
    saved = template(operator, service=ServiceFactory(name="E-mail"), urgency=Urgency.HIGH)
    retired = template(operator, name="Fax line")
    templates.incident_template_deactivate(by=operator, template_id=retired.pk)
    client.force_login(operator)

    page = client.get(RECORD, {"template": saved.pk}).text
    assert f'<option value="{saved.pk}" selected>Password reset</option>' in page
    assert "Fax line" not in page
    assert 'value="Forgotten password"' in page and "Which account? Locked out?</textarea>" in page
    assert 'value="E-mail"' in page
    assert '<option value="1" selected>High</option>' in page  # the urgency

    gone = client.get(RECORD, {"template": retired.pk})
    assert "That incident template is no longer offered." in gone.text


def test_without_templates_the_logging_page_has_no_such_field(client, operator):
    client.force_login(operator)
    assert 'name="template"' not in client.get(RECORD).text


def test_the_incident_keeps_its_template_and_classification_proposes_its_category(client, operator):
    category = CategoryFactory(name="Accounts")
    saved = template(operator, category=category)
    caller = ContactFactory()
    client.force_login(operator)
    occurred = timezone.localtime() - datetime.timedelta(minutes=5)
    response = client.post(RECORD, {
        "caller": caller.full_name, "caller_id": caller.pk, "short_description": "Forgotten password",
        "channel": "phone", "occurred_at": occurred.strftime("%d %b %Y %H:%M"), "affected_users": 1,
        "impact": 3, "urgency": 2, "template": saved.pk,
    })  # fmt: skip
    assert response.status_code == 302, response.text
    incident = Incident.objects.get()
    assert incident.template == saved

    classify = client.get(reverse("incidents:step", args=[incident.number, "classify"])).text
    assert f'<option value="{category.pk}" selected>' in classify


@pytest.mark.parametrize("still_offered", [True, False], ids=["another still offered", "the last one"])
def test_a_template_retired_while_the_form_was_open_is_refused_with_a_message(client, operator, still_offered):
    saved = template(operator)
    caller = ContactFactory()
    client.force_login(operator)
    templates.incident_template_deactivate(by=operator, template_id=saved.pk)
    if still_offered:
        template(operator, name="Still offered")
    response = client.post(RECORD, {
        "caller": caller.full_name, "caller_id": caller.pk, "short_description": "Forgotten password",
        "channel": "phone", "occurred_at": "now", "affected_users": 1, "impact": 3, "urgency": 2,
        "template": saved.pk,
    })  # fmt: skip
    assert "Select a valid choice." in response.text
    assert not Incident.objects.exists()


def test_a_chosen_category_is_not_overridden_by_the_template(operator):
    chosen, proposed = CategoryFactory(name="Network"), CategoryFactory(name="Accounts")
    incident = record(operator, template=template(operator, category=proposed))
    incident.category = chosen
    assert ClassifyForm(incident=incident).initial["category"] == chosen.pk
    incident.category = None
    assert ClassifyForm(incident=incident).initial["category"] == proposed.pk
