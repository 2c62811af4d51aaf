"""The queue through the API: the caller's groups' open incidents in the page's tabs, order and filters, a page at a
time with each tab's count, for those who work incidents; refused to the others; a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from incidents.lifecycle import escalation
from incidents.models import Incident
from tests.api.schema import assert_as_documented
from tests.cmdb.factories import ServiceFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.workflow import investigating

pytestmark = pytest.mark.django_db

URL = "/api/v1/queue/"
PROBLEM = "application/problem+json"


@pytest.fixture
def colleague(network):
    carla = UserFactory(username="carla", first_name="Carla", roles=["Support"])
    network.members.add(carla)
    return carla


@pytest.fixture
def work(operator, support_member, colleague, network, vpn):
    """The network group's incidents: one fresh handoff, one of Sam's breached, one of Carla's waiting on the
    caller; and one of another group."""
    now = timezone.now()
    fresh = investigating(operator, vpn, network, short_description="Fresh handoff")
    mine = investigating(operator, vpn, network, short_description="Sam's")
    escalation.incident_acknowledge(by=support_member, incident_id=mine.pk)
    escalation.incident_assign(by=support_member, incident_id=mine.pk, assignee=support_member)
    carlas = investigating(operator, vpn, network, short_description="Carla's")
    escalation.incident_acknowledge(by=colleague, incident_id=carlas.pk)
    escalation.incident_assign(by=colleague, incident_id=carlas.pk, assignee=colleague)
    Incident.objects.filter(pk=carlas.pk).update(awaiting_caller_since=now - datetime.timedelta(hours=1))
    Incident.objects.filter(pk=mine.pk).update(resolution_due_at=now - datetime.timedelta(minutes=5))
    elsewhere = investigating(operator, vpn, SupportGroupFactory(tier=2), short_description="Another group's")
    return {"fresh": fresh, "mine": mine, "carlas": carlas, "elsewhere": elsewhere}


def numbers(response) -> list[str]:
    return [row["number"] for row in response.json()["results"]]


def test_a_member_reads_the_queue_of_their_groups_in_the_pages_tabs(api, support_member, work):
    client = api(support_member)

    default = client.get(URL)

    assert default.status_code == 200
    assert_as_documented(default)
    body = default.json()
    assert body["tab"] == "unacknowledged"
    assert numbers(default) == [work["fresh"].number]
    assert {tab["name"]: tab["count"] for tab in body["tabs"]} == {
        "unacknowledged": 1, "mine": 1, "group": 3, "awaiting": 1, "breached": 1,
    }  # fmt: skip
    assert numbers(client.get(URL, {"tab": "mine"})) == [work["mine"].number]
    assert numbers(client.get(URL, {"tab": "awaiting"})) == [work["carlas"].number]
    assert numbers(client.get(URL, {"tab": "breached"})) == [work["mine"].number]
    group = client.get(URL, {"tab": "group"})
    assert group.json()["count"] == 3
    assert work["elsewhere"].number not in numbers(group)
    # Not acknowledged first, as on the page.
    assert numbers(group)[0] == work["fresh"].number


def test_a_row_says_when_its_next_target_is_due(api, support_member, work):
    row = api(support_member).get(URL).json()["results"][0]

    fresh = Incident.objects.get(pk=work["fresh"].pk)
    assert row["next_due_at"] == fresh.response_due_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def test_the_pages_filters_apply(api, support_member, operator, network, vpn, work):
    service = ServiceFactory()
    urgent = investigating(operator, vpn, network, short_description="Printer on fire", service=service)
    client = api(support_member)

    by_text = client.get(URL, {"tab": "group", "q": "printer"})
    by_service = client.get(URL, {"tab": "group", "service": service.pk})
    by_priority = client.get(URL, {"tab": "group", "priority": [urgent.priority]})
    by_group = client.get(URL, {"tab": "group", "assigned_group": network.pk})

    assert numbers(by_text) == numbers(by_service) == [urgent.number]
    assert urgent.number in numbers(by_priority)
    assert by_group.json()["count"] == 4


@pytest.mark.parametrize(
    "query",
    [{"tab": "everything"}, {"priority": 9}, {"service": 999_999}, {"service": "many"},
     {"assigned_group": 99_999_999_999_999_999_999}],
)  # fmt: skip
def test_a_tab_or_filter_value_it_does_not_know_is_a_400_problem(api, support_member, work, query):
    response = api(support_member).get(URL, query)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)


def test_another_groups_filter_is_refused_not_shown(api, support_member, work):
    other = work["elsewhere"].assigned_group

    response = api(support_member).get(URL, {"tab": "group", "assigned_group": other.pk})

    assert response.status_code == 400
    assert "assigned_group" in response.json()["errors"]


def test_a_page_past_the_last_is_a_404_problem(api, support_member, work):
    response = api(support_member).get(URL, {"page": 9})

    assert response.status_code == 404
    assert_as_documented(response)


def test_pages_of_the_queue(api, support_member, work):
    client = api(support_member)

    first = client.get(URL, {"tab": "group", "page_size": 2})
    second = client.get(first.json()["next"])

    assert_as_documented(second)
    assert len(numbers(first)) == 2 and len(numbers(second)) == 1
    assert second.json()["next"] is None


@pytest.mark.parametrize("role", ["operator", "administrator"])
def test_the_desk_in_no_group_has_an_empty_queue_as_on_the_page(api, request, work, role):
    response = api(request.getfixturevalue(role)).get(URL, {"tab": "group"})

    assert response.status_code == 200
    assert_as_documented(response)
    assert response.json()["count"] == 0
    assert {tab["count"] for tab in response.json()["tabs"]} == {0}


@pytest.mark.parametrize("role", ["manager", "config_manager"])
def test_roles_that_do_not_work_incidents_are_refused(api, request, role):
    response = api(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)


def test_the_queue_costs_the_same_queries_with_2_or_20_incidents(
    api, operator, support_member, network, vpn, django_assert_num_queries
):
    client = api(support_member)
    client.get("/api/v1/incidents/")  # the token's first use is noted once
    priority = investigating(operator, vpn, network).priority
    investigating(operator, vpn, network)
    # The token and its user with their permissions, the count, the page's ids, its rows, their callers and groups
    # (read by id), the tabs' counts.
    with django_assert_num_queries(7):
        small = client.get(URL, {"tab": "group", "priority": [priority]})
    for _ in range(18):
        investigating(operator, vpn, network)
    with django_assert_num_queries(7):
        large = client.get(URL, {"tab": "group", "priority": [priority]})

    assert small.json()["count"] == 2
    assert large.json()["count"] == 20


@pytest.mark.parametrize("size", ["0", "-1", "2.5", "many"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(api, support_member, size):
    response = api(support_member).get(URL, {"page_size": size})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]
