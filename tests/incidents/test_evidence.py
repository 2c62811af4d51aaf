"""The impact a master incident's calls propose, and the CMDB context on the logging form."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cmdb.choices import Criticality
from incidents.choices import ActivityKind, Impact, Urgency
from incidents.models import Incident
from incidents.recording import calls
from incidents.recording.cmdb_context import call_context
from incidents.recording.evidence import Evidence, incident_evidence, propose_impact, with_masters
from incidents.recording.similar import MAX_LIMIT, similar_incidents
from tests.cmdb.factories import (
    ChangeFactory,
    ConfigurationItemFactory,
    ContactFactory,
    RelationshipFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def evidence(callers: int = 1, users: int = 1, criticality: str | None = None, subordinates: int = 0) -> Evidence:
    return Evidence(subordinates, frozenset(range(callers)), users, criticality)


@pytest.mark.parametrize(
    ("found", "current", "proposed"),
    [
        (evidence(callers=2), Impact.LOW, None),
        (evidence(callers=3), Impact.LOW, Impact.MEDIUM),
        (evidence(callers=3), Impact.MEDIUM, None),
        (evidence(users=12), Impact.LOW, Impact.MEDIUM),
        (evidence(callers=2, criticality=Criticality.HIGH), Impact.LOW, Impact.MEDIUM),
        (evidence(callers=2, criticality=Criticality.CRITICAL), Impact.LOW, Impact.HIGH),
        (evidence(callers=10), Impact.MEDIUM, Impact.HIGH),
        (evidence(users=50), Impact.LOW, Impact.HIGH),
        (evidence(callers=50), Impact.HIGH, None),
    ],
)
def test_the_proposal_follows_the_evidence_and_never_lowers(found, current, proposed):
    proposal = propose_impact(found, current)

    assert (proposal.impact if proposal else None) == proposed


def test_the_proposal_says_why():
    proposal = propose_impact(evidence(callers=4, users=12, subordinates=3), Impact.LOW)

    assert proposal.reasons == ("4 different callers", "12 affected users", "3 subordinates")


def record(operator, **overrides) -> Incident:
    values = {
        "by": operator, "caller": ContactFactory(), "short_description": "Label printer in Rotterdam is offline",
        "occurred_at": timezone.now(), "impact": Impact.LOW, "urgency": Urgency.MEDIUM,
    }  # fmt: skip
    return calls.incident_record(**{**values, **overrides})


def test_callers_are_counted_once_across_subordinates_and_added_calls(operator):
    master = record(operator, service=ServiceFactory(criticality=Criticality.HIGH))
    again = ContactFactory()
    record(operator, parent=master, caller=again, affected_users=4)
    record(operator, parent=master, caller=master.caller)
    calls.incident_add_call(by=operator, incident_id=master.pk, caller=again, symptoms="Still offline")
    calls.incident_add_call(by=operator, incident_id=master.pk, caller=ContactFactory(), symptoms="Me too")

    found = incident_evidence([Incident.objects.select_related("service").get(pk=master.pk)])[master.pk]

    assert (found.subordinates, found.callers, found.affected_users, found.criticality) == (2, 3, 8, "high")


def test_the_desk_accepts_the_proposal_on_the_master_page_and_it_is_journaled(client, operator, manager):
    master = record(operator)
    for _ in range(3):
        record(operator, parent=master)
    client.force_login(manager)
    assert "The calls suggest" not in client.get(master.get_absolute_url()).text  # not the manager's call
    client.force_login(operator)

    page = client.get(master.get_absolute_url()).text
    assert "The calls suggest Medium impact" in page and "4 different callers" in page
    client.post(reverse("incidents:accept_impact", args=[master.number]), {"impact": Impact.MEDIUM})

    master.refresh_from_db()
    assert master.impact == Impact.MEDIUM
    entry = master.journal.get(kind=ActivityKind.PRIORITY_CHANGED)
    assert entry.text == "Impact raised on the evidence: 4 different callers, 3 subordinates."
    assert "The calls suggest" not in client.get(master.get_absolute_url()).text


def test_an_impact_the_evidence_does_not_support_is_refused_and_nothing_changes(client, operator):
    master = record(operator)
    for _ in range(3):
        record(operator, parent=master)
    client.force_login(operator)

    url = reverse("incidents:accept_impact", args=[master.number])
    response = client.post(url, {"impact": Impact.HIGH}, follow=True)

    assert "no longer support that impact" in response.text
    master.refresh_from_db()
    assert master.impact == Impact.LOW
    assert not master.journal.filter(kind=ActivityKind.PRIORITY_CHANGED).exists()


def test_the_panel_offers_the_master_of_a_subordinate_with_the_proposal_and_records_under_it(client, operator):
    master = record(operator)
    subordinates = [record(operator, parent=master) for _ in range(2)]
    client.force_login(operator)

    panel = client.get(reverse("incidents:similar"), {"short_description": "label printer rotterdam offline"}).text

    assert f"Record as subordinate of {subordinates[0].number}" not in panel
    assert f"Record as subordinate of {master.number}" in panel
    assert f"Record as subordinate and raise {master.number} to Medium impact" in panel
    caller = ContactFactory(email="ria@example.org")
    data = {
        "caller": "ria@example.org", "short_description": "Printer offline", "channel": "phone",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "affected_users": "1", "impact": "3",
        "urgency": "2", "master_impact": "2",
    }  # fmt: skip
    client.post(f"{reverse('incidents:record')}?parent={master.number}", data)

    assert Incident.objects.get(caller=caller).parent == master
    master.refresh_from_db()
    assert master.impact == Impact.MEDIUM


def test_the_logging_form_shows_what_a_chosen_ci_affects_and_its_changes(client, operator):
    database = ConfigurationItemFactory(name="db-wms-01")
    app = ConfigurationItemFactory(name="wms-app")
    RelationshipFactory(source=app, target=database)
    ServiceFactory(name="Warehouse management", criticality=Criticality.CRITICAL, cis=[app])
    ChangeFactory(title="Patch the WMS database", cis=[database])
    ChangeFactory(
        title="Last year's upgrade", cis=[database], planned_start=timezone.now() - datetime.timedelta(days=300)
    )
    client.force_login(operator)

    fragment = client.get(reverse("incidents:ci_context"), {"cis": "db-wms-01\nno-such-ci"}).text

    assert "Warehouse management" in fragment and "Critical" in fragment
    assert "Patch the WMS database" in fragment
    assert "Last year's upgrade" not in fragment
    assert "No configuration item is called “no-such-ci”." in fragment


def test_the_most_critical_service_the_cis_affect_is_proposed_the_nearest_first_and_the_others_offered():
    switch = ConfigurationItemFactory(name="core-sw-01")
    mail_server = ConfigurationItemFactory(name="mail-01")
    RelationshipFactory(source=mail_server, target=switch)
    intranet = ServiceFactory(name="Intranet", criticality=Criticality.MEDIUM, cis=[switch])
    mail = ServiceFactory(name="Mail", criticality=Criticality.CRITICAL, cis=[mail_server])
    payroll = ServiceFactory(name="Payroll", criticality=Criticality.CRITICAL, cis=[switch])

    context = call_context(["core-sw-01"])

    # Two critical services: the one built from the switch itself is nearer than the one behind the mail server.
    assert context.proposed_service.id == payroll.pk
    assert [service.id for service in context.other_services] == [mail.pk, intranet.pk]
    assert call_context(["no-such-ci"]).proposed_service is None


@pytest.mark.parametrize("count", [2, 20])
def test_the_similar_panel_reads_the_masters_and_their_evidence_in_three_queries(
    operator, count, django_assert_num_queries
):
    masters = [record(operator) for _ in range(count)]
    matches = similar_incidents(text="label printer rotterdam offline", limit=MAX_LIMIT)

    with django_assert_num_queries(3):
        rows = with_masters(matches, caller_id=None)

    assert {row.master.number for row in rows} == {master.number for master in masters}
