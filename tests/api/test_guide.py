"""The API guide's example (docs/api/index.md), step by step as a client sends it: record, classify, escalate,
acknowledge and resolve an incident, each write with the ETag the one before answered."""

from __future__ import annotations

import pytest

from incidents.choices import State
from incidents.models import Incident
from tests.cmdb.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_the_guides_example_runs_as_written(api, operator, support_member, vpn, network):
    ContactFactory(email="pat.jones@example.com")
    desk, group = api(operator), api(support_member)

    recorded = desk.post(
        "/api/v1/incidents/",
        {"caller": "pat.jones@example.com", "short_description": "Outlook will not start",
         "symptoms": "Crashes at the splash screen since the update.", "occurred_at": "now",
         "channel": "phone", "impact": 3, "urgency": 2, "affected_users": 1},
        format="json",
    )  # fmt: skip
    assert recorded.status_code == 201, recorded.json()
    number, etags = recorded.json()["number"], [recorded["ETag"]]
    steps = [
        (desk, "classify", {"category": vpn.pk, "impact": 3, "urgency": 2}),
        (desk, "escalate", {"group": network.pk, "reason": "Crash dump attached to the note.", "minutes_spent": 5}),
        (group, "acknowledge", None),
        (group, "resolve", {"resolution_code": "permanent_fix", "resolution_notes": "Reinstalled the add-in.",
                            "minutes_spent": 20}),
    ]  # fmt: skip
    for client, step, body in steps:
        response = client.post(
            f"/api/v1/incidents/{number}/{step}/", body, format="json" if body else None, HTTP_IF_MATCH=etags[-1]
        )
        assert response.status_code == 200, (step, response.json())
        etags.append(response["ETag"])

    incident = Incident.objects.get(number=number)
    assert (incident.state, incident.assigned_group, incident.resolution_code) == (
        State.RESOLVED, network, "permanent_fix"
    )  # fmt: skip
    # The ETags the guide shows, in order.
    assert etags == ['"v1"', '"v2"', '"v3"', '"v4"', '"v5"']
