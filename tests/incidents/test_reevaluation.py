"""Re-evaluation: the group asks for other impact and urgency with a reason, the desk accepts or declines."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.choices import ActivityKind, Impact, Priority, ReevaluationOutcome, Urgency
from incidents.lifecycle.reevaluation import reevaluation_decide, reevaluation_request
from tests.incidents.workflow import classified, investigating

pytestmark = pytest.mark.django_db


def ask(member, incident, impact=Impact.HIGH, urgency=Urgency.MEDIUM, reason="Every branch office is hit."):
    return reevaluation_request(by=member, incident_id=incident.pk, impact=impact, urgency=urgency, reason=reason)


def test_the_round_trip_accepted_with_adjusted_values(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    request = ask(support_member, incident)

    reevaluation_decide(by=operator, reevaluation_id=request.pk, accept=True, impact=Impact.HIGH, urgency=Urgency.HIGH)

    incident.refresh_from_db()
    assert (incident.impact, incident.urgency, incident.priority) == (Impact.HIGH, Urgency.HIGH, Priority.CRITICAL)
    assert incident.serious  # the top priority is a major incident, whoever sets it
    asked, decided = incident.journal.filter(kind__startswith="reevaluation").order_by("id")
    assert (asked.author, asked.text, asked.data["impact"]) == (support_member, "Every branch office is hit.", [3, 1])
    assert (decided.author, decided.data["outcome"], decided.data["priority"]) == (operator, "accepted", [4, 1])
    request.refresh_from_db()
    assert (request.outcome, request.decided_by) == (ReevaluationOutcome.ACCEPTED, operator)


def test_only_the_values_that_change_are_journaled(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM)
    request = ask(support_member, incident, impact=Impact.MEDIUM, urgency=Urgency.HIGH)

    reevaluation_decide(by=operator, reevaluation_id=request.pk, accept=True)

    asked, decided = incident.journal.filter(kind__startswith="reevaluation").order_by("id")
    assert asked.data == {"urgency": [Urgency.MEDIUM, Urgency.HIGH]}
    assert "impact" not in decided.data
    assert decided.data["urgency"] == [Urgency.MEDIUM, Urgency.HIGH]
    assert decided.data["priority"] == [Priority.MEDIUM, Priority.HIGH]


def test_a_declined_request_changes_nothing_but_needs_a_note(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    request = ask(support_member, incident)

    with pytest.raises(ValidationError, match="Say why the values stay"):
        reevaluation_decide(by=operator, reevaluation_id=request.pk, accept=False)
    reevaluation_decide(by=operator, reevaluation_id=request.pk, accept=False, note="Only one office reported it.")

    incident.refresh_from_db()
    assert (incident.impact, incident.urgency) == (Impact.LOW, Urgency.MEDIUM)
    entry = incident.journal.get(kind=ActivityKind.REEVALUATION_DECIDED)
    assert (entry.data, entry.text) == ({"outcome": "declined"}, "Only one office reported it.")
    with pytest.raises(ValidationError, match="already declined"):
        reevaluation_decide(by=operator, reevaluation_id=request.pk, accept=True)


def test_only_the_investigating_group_asks_and_only_the_desk_decides(operator, support_member, outsider, network, vpn):
    incident = investigating(operator, vpn, network)
    with pytest.raises(PermissionDenied, match="Only members of the group investigating"):
        ask(outsider, incident)
    with pytest.raises(PermissionDenied):
        ask(operator, classified(operator, vpn))
    request = ask(support_member, incident)

    with pytest.raises(PermissionDenied, match="Only the service desk decides"):
        reevaluation_decide(by=support_member, reevaluation_id=request.pk, accept=True)


def test_one_request_waits_at_a_time_and_it_must_change_something(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    with pytest.raises(ValidationError, match="already its impact and urgency"):
        ask(support_member, incident, impact=incident.impact, urgency=incident.urgency)
    ask(support_member, incident)

    with pytest.raises(ValidationError, match="already waits for the desk"):
        ask(support_member, incident, impact=Impact.MEDIUM)


def test_the_pages_carry_the_request_to_the_desk_and_its_answer_back(client, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    client.force_login(support_member)
    assert (
        reverse("incidents:request_reevaluation", args=[incident.number])
        in client.get(incident.get_absolute_url()).text
    )
    client.post(
        reverse("incidents:request_reevaluation", args=[incident.number]),
        {"impact": Impact.MEDIUM, "urgency": Urgency.HIGH, "reason": "Payroll runs tonight."},
    )
    assert "Waiting for the service desk to decide." in client.get(incident.get_absolute_url()).text
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text
    assert "Payroll runs tonight." in page and "Proposed: Medium impact, High urgency." in page
    waiting = incident.reevaluations.get()
    client.post(
        reverse("incidents:decide_reevaluation", args=[incident.number, waiting.pk]),
        {"decision": "accept", "impact": Impact.MEDIUM, "urgency": Urgency.HIGH, "note": ""},
    )

    incident.refresh_from_db()
    assert (incident.impact, incident.urgency, incident.priority) == (Impact.MEDIUM, Urgency.HIGH, Priority.HIGH)
    assert "asks for a re-evaluation" not in client.get(incident.get_absolute_url()).text
