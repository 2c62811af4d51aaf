"""Incidents through the API: read by every role, recorded by the desk, each step under the page's rules, and a
write refused when the incident moved on since it was read."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from incidents.choices import Impact, State, Urgency
from incidents.lifecycle import escalation
from incidents.models import Incident
from tests.api.schema import assert_as_documented
from tests.cmdb.factories import ContactFactory, LocationFactory, ServiceFactory
from tests.incidents.workflow import classified, investigating, record

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_every_role_reads_the_list_newest_first_with_the_pages_filters(api, operator, support_member, manager):
    older = record(operator, short_description="Printer jams on floor 3")
    newer = record(operator, short_description="VPN drops every hour")
    earlier = timezone.now() - datetime.timedelta(hours=2)
    Incident.objects.filter(pk=older.pk).update(occurred_at=earlier, reported_at=earlier)

    for user in (operator, support_member, manager):
        body = api(user).get("/api/v1/incidents/").json()
        assert [row["number"] for row in body["results"]] == [newer.number, older.number]
    found = api(manager).get("/api/v1/incidents/", {"q": "printer"}).json()["results"]
    assert [row["number"] for row in found] == [older.number]


def test_the_list_is_paged_by_a_cursor(api, operator):
    numbers = [record(operator).number for _ in range(3)]
    client = api(operator)
    first = client.get("/api/v1/incidents/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert [row["number"] for row in first["results"] + second["results"]] == numbers[::-1]
    assert second["next"] is None


def test_the_last_page_says_so_as_the_schema_promises(api, operator):
    record(operator)

    response = api(operator).get("/api/v1/incidents/")

    assert response.json()["next"] is None
    assert_as_documented(response)


def test_an_incident_is_read_whole_with_its_version_as_etag(api, operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    response = api(support_member).get(f"/api/v1/incidents/{incident.number}/")
    body = response.json()
    assert response["ETag"] == f'"v{incident.version}"'
    assert body["state"] == State.INVESTIGATING
    assert body["assigned_group"]["name"] == network.name
    assert "acknowledge" in body["steps"]
    assert [entry["kind"] for entry in body["journal"]][:2] == ["recorded", "state_changed"]
    assert body["clock"]["resolution_due_at"]


def test_no_token_no_access_and_a_wrong_one_is_401(client, operator):
    assert client.get("/api/v1/incidents/").status_code in (401, 403)
    response = client.get("/api/v1/incidents/", HTTP_AUTHORIZATION="Bearer sdk_not-a-real-one")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "The token is unknown, revoked or expired."


def test_the_desk_records_a_call_as_the_logging_page_would(api, operator):
    caller = ContactFactory(email="pat@example.com")
    response = api(operator).post(
        "/api/v1/incidents/",
        {"caller": "pat@example.com", "short_description": "Outlook will not start", "occurred_at": "now",
         "channel": "email", "impact": Impact.MEDIUM, "urgency": Urgency.HIGH, "affected_users": 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(number=response.json()["number"])
    assert (incident.caller, incident.state, incident.impact) == (caller, State.RECORDED, Impact.MEDIUM)
    assert response["Location"].endswith(f"/api/v1/incidents/{incident.number}/")
    assert incident.journal.get(kind="recorded").data["through"] == "API token “Integration”"


def test_the_service_and_location_are_ids_as_before_the_pages_pickers(api, operator):
    """The logging page chooses them by searching; the API still takes an id, and refuses an inactive service."""
    mail, office = ServiceFactory(name="Mail"), LocationFactory(name="Head office")
    retired = ServiceFactory(name="Fax gateway", active=False)
    client = api(operator)
    call = {"caller_id": str(ContactFactory().pk), "short_description": "Mail is slow", "occurred_at": "now",
            "channel": "phone", "impact": Impact.LOW, "urgency": Urgency.LOW, "affected_users": 1}  # fmt: skip

    recorded = client.post("/api/v1/incidents/", {**call, "service": mail.pk, "location": office.pk}, format="json")
    refused = client.post("/api/v1/incidents/", {**call, "service": retired.pk}, format="json")

    schema = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["RecordRequest"]
    assert schema["properties"]["service"]["type"] == schema["properties"]["location"]["type"] == ["integer", "null"]
    assert recorded.status_code == 201, recorded.json()
    assert (Incident.objects.get().service, Incident.objects.get().location) == (mail, office)
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "service": ["The service “Fax gateway” is no longer active: choose another one."]
    }


def test_support_may_not_record_and_is_told_why(api, support_member):
    response = api(support_member).post("/api/v1/incidents/", {"short_description": "x"}, format="json")
    assert response.status_code == 403
    assert "service desk" in response.json()["detail"]


def test_bad_input_is_a_400_with_field_errors_and_records_nothing(api, operator):
    response = api(operator).post(
        "/api/v1/incidents/", {"caller": "nobody@example.com", "occurred_at": "yesterday-ish"}, format="json"
    )
    body = response.json()
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert {"caller", "short_description", "occurred_at"} <= set(body["errors"])
    assert not Incident.objects.exists()


def test_a_step_needs_the_etag_it_read(api, operator, vpn, network):
    incident = classified(operator, vpn)
    client = api(operator)
    response = client.post(f"/api/v1/incidents/{incident.number}/escalate/", {"group": network.pk}, format="json")
    assert response.status_code == 428
    assert response.json()["type"].endswith("/precondition-required")


def test_the_desk_escalates_through_the_api(api, operator, vpn, network):
    incident = classified(operator, vpn)
    client = api(operator, name="Chat bot")
    etag = client.get(f"/api/v1/incidents/{incident.number}/")["ETag"]
    response = client.post(
        f"/api/v1/incidents/{incident.number}/escalate/",
        {"group": network.pk, "reason": "Tunnel refuses the new certificate", "minutes_spent": 3},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    incident.refresh_from_db()
    assert (incident.state, incident.assigned_group) == (State.INVESTIGATING, network)
    assert response["ETag"] == f'"v{incident.version}"'
    entry = incident.journal.get(kind="escalated")
    assert (entry.author, entry.minutes_spent, entry.data["through"]) == (operator, 3, "API token “Chat bot”")


def test_a_stale_write_is_412_with_what_changed_and_changes_nothing(api, operator, support_member, vpn, network):
    incident = investigating(operator, vpn, network)
    read = f'"v{incident.version}"'
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    response = api(support_member).post(
        f"/api/v1/incidents/{incident.number}/assign/", {"assignee": support_member.pk}, format="json",
        HTTP_IF_MATCH=read,
    )  # fmt: skip
    body = response.json()
    assert response.status_code == 412
    assert "acknowledged it" in body["detail"]
    assert [change["kind"] for change in body["changes"]] == ["acknowledged"]
    incident.refresh_from_db()
    assert incident.assignee is None


def test_a_step_the_state_does_not_allow_is_409(api, operator, vpn):
    incident = record(operator)
    response = api(operator).post(
        f"/api/v1/incidents/{incident.number}/close/", {}, format="json", HTTP_IF_MATCH=f'"v{incident.version}"'
    )
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM


def test_a_read_only_token_cannot_write(api, operator, vpn, network):
    incident = classified(operator, vpn)
    response = api(operator, writes=False).post(
        f"/api/v1/incidents/{incident.number}/escalate/", {"group": network.pk}, format="json",
        HTTP_IF_MATCH=f'"v{incident.version}"',
    )  # fmt: skip
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_the_schema_and_its_reference_are_served(api, operator, client):
    schema = api(operator).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    assert "/api/v1/incidents/{number}/escalate/" in schema.json()["paths"]
    client.force_login(operator)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "swagger-ui" in page.text and "cdn" not in page.text.lower()


def test_the_history_page_says_which_token_made_a_change(api, client, operator, vpn, network):
    incident = classified(operator, vpn)
    api(operator, name="Chat bot").post(
        f"/api/v1/incidents/{incident.number}/escalate/", {"group": network.pk, "reason": "Needs the network team"},
        format="json", HTTP_IF_MATCH=f'"v{incident.version}"',
    )  # fmt: skip
    client.force_login(operator)
    page = client.get(f"/incidents/{incident.number}/history/").text
    assert "through API token “Chat bot”" in page
    timeline = client.get(incident.get_absolute_url()).text
    assert "through API token “Chat bot”" in timeline


def test_refusals_before_the_api_are_problems_too(api, operator):
    client = api(operator)
    missing = client.get("/api/v1/no-such-resource/")
    assert (missing.status_code, missing["Content-Type"]) == (404, PROBLEM)
    unknown = client.get("/api/v1/incidents/INC9999999/")
    assert (unknown.status_code, unknown["Content-Type"]) == (404, PROBLEM)
    garbled = client.get("/api/v1/incidents/", {"q": "vpn\x00"})
    assert (garbled.status_code, garbled["Content-Type"]) == (400, PROBLEM)
    assert "control character" in garbled.json()["detail"]


def test_a_body_of_the_wrong_shape_is_a_400_not_a_crash(api, operator, vpn, network):
    client = api(operator)
    for body in ([1, 2], {"short_description": {"nested": True}, "impact": "high"}, {"affected_users": True}):
        response = client.post("/api/v1/incidents/", body, format="json")
        assert (response.status_code, response["Content-Type"]) == (400, PROBLEM), body
    incident = classified(operator, vpn)
    response = client.post(
        f"/api/v1/incidents/{incident.number}/escalate/", {"group": True, "reason": ["a"]}, format="json",
        HTTP_IF_MATCH=f'"v{incident.version}"',
    )  # fmt: skip
    assert response.status_code == 400
    assert {"group", "reason"} <= set(response.json()["errors"])
    assert not Incident.objects.exclude(pk=incident.pk).exists()


def test_a_caller_id_or_a_moment_out_of_range_is_a_400(api, operator):
    client = api(operator)
    response = client.post(
        "/api/v1/incidents/", {"caller_id": "x1", "short_description": "VPN", "occurred_at": "now"}, format="json"
    )
    assert response.status_code == 400
    assert "caller" in response.json()["errors"]
    listed = client.get("/api/v1/incidents/", {"closed_to": "5486-01-13T04:55:22-23:55"})
    assert (listed.status_code, listed["Content-Type"]) == (400, PROBLEM)
