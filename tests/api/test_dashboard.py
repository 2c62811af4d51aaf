"""The dashboard's figures through the API: the page's figures for one of its periods or any days of at most a year,
for the desk and managers; refused to the others; bad periods a 400; the same fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from incidents.choices import ClosureReason
from tests.api.schema import assert_as_documented
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory
from tests.incidents.factories import IncidentFactory
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"
PROBLEM = "application/problem+json"
NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate(NOW)
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def at(days_ago: float, hours: float = 0) -> datetime.datetime:
    return NOW - days_ago * DAY + hours * HOUR


@pytest.fixture
def week(network):
    """Two incidents resolved and closed in the last days, one resolved before, two open now (one serious)."""
    vpn = CategoryFactory(name="VPN")
    mail, erp = ServiceFactory(name="Mail"), ServiceFactory(name="ERP")
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    IncidentFactory(
        state="closed", reported_at=at(3), acknowledged_at=at(3, 0.5), responded_at=at(3, 0.5), response_met=True,
        resolved_at=at(2), resolution_met=False, closed_at=at(1), assigned_group=network, category=vpn,
        root_cause_category=vpn, satisfaction=4, confirmed_at=at(1.5), service=mail, logging_seconds=40,
        cis=[gateway],
    )  # fmt: skip
    IncidentFactory(
        state="closed", reported_at=at(2), resolved_at=at(2, 1), resolution_met=True, closed_at=at(1),
        closed_automatically=True, category=vpn, root_cause_category=vpn, known_error=KnownErrorFactory(),
        service=mail, logging_seconds=60, cis=[gateway],
    )  # fmt: skip
    IncidentFactory(
        state="resolved", reported_at=at(10), resolved_at=at(9), resolution_met=True, assigned_group=network
    )
    serious = IncidentFactory(
        reported_at=at(1), priority=1, impact=1, urgency=1, serious=True, assigned_group=network, service=erp,
        logging_seconds=100, cis=[gateway],
    )  # fmt: skip
    IncidentFactory(reported_at=at(0.5), priority=4)
    return {"serious": serious, "network": network}


def last_7_days() -> dict[str, str]:
    return {"from": (TODAY - 6 * DAY).isoformat(), "to": TODAY.isoformat()}


@pytest.mark.parametrize("role", ["operator", "manager", "administrator"])
def test_the_desk_and_managers_read_the_figures_of_any_days(api, request, week, role):
    response = api(request.getfixturevalue(role)).get(URL, last_7_days())

    assert response.status_code == 200
    assert_as_documented(response)
    body = response.json()
    assert body["period"]["key"] is None
    assert (body["period"]["first"], body["period"]["last"]) == (last_7_days()["from"], last_7_days()["to"])
    assert body["period"]["previous"]["last"] == (TODAY - 7 * DAY).isoformat()
    assert [row["number"] for row in body["serious_now"]] == [week["serious"].number]
    assert [(row["label"], row["count"]) for row in body["backlog_by_priority"] if row["count"]] == [
        ("P1 · Critical", 1), ("P4 · Low", 1)
    ]  # fmt: skip
    assert body["backlog_by_group"] == [
        {"id": week["network"].pk, "name": "Network operations", "count": 1},
        {"id": None, "name": "Service desk", "count": 1},
    ]
    assert (body["resolution"]["percent"], body["resolution"]["previous_percent"]) == (50.0, 100.0)
    assert body["mean_time_to_acknowledge"] == {"seconds": 1800.0, "previous_seconds": None}
    assert body["mean_time_to_resolve"]["seconds"] == 12.5 * 3600
    assert body["satisfaction"] == {"average": 4.0, "count": 1}
    assert body["closures"] == {"closed": 2, "confirmed": 1, "automatic": 1, "reopened": 0}
    assert [row["reason"] for row in body["closed_early"]] == list(ClosureReason.values)
    assert body["classification"] == [{"category": "VPN", "closed": 2, "changed": 0}]
    assert body["median_logging_seconds"] == 60.0
    assert [(row["name"], row["count"]) for row in body["top_services"]] == [("Mail", 2), ("ERP", 1)]
    assert [(row["name"], row["count"]) for row in body["repeat_cis"]] == [("vpn-gw-01", 3)]
    assert len(body["trend"]) == 7
    assert sum(day["reported"] for day in body["trend"]) == 4


@pytest.mark.parametrize("name", ["week", "last-week", "month", "last-month", "30-days"])
def test_each_of_the_pages_periods_by_name(api, manager, name):
    response = api(manager).get(URL, {"period": name})

    assert response.status_code == 200
    assert_as_documented(response)
    assert response.json()["period"]["key"] == name


def test_without_a_period_it_is_this_week_as_on_the_page(api, manager):
    period = api(manager).get(URL).json()["period"]

    assert period["key"] == "week"
    assert period["last"] == TODAY.isoformat()


@pytest.mark.parametrize("role", ["support_member", "config_manager"])
def test_roles_without_the_dashboard_are_refused(api, request, role):
    response = api(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "decade"}, "period"),
        ({"period": "week", "from": "2026-11-01", "to": "2026-11-07"}, "period"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "yesterday", "to": "2026-11-07"}, "from"),
        ({"from": "2026-11-07", "to": "2026-11-01"}, "to"),
        ({"from": "2024-01-01", "to": "2026-11-01"}, "to"),
        ({"from": "0001-01-01", "to": "2026-11-01"}, "from"),
        ({"from": "2026-11-01", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_period_it_cannot_show_is_a_400_naming_the_parameter(api, manager, query, field):
    response = api(manager).get(URL, query)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert_as_documented(response)
    assert list(response.json()["errors"]) == [field]


def test_the_figures_cost_the_same_queries_whatever_the_data(api, manager, week, django_assert_num_queries):
    client = api(manager)
    client.get("/api/v1/incidents/")  # the token's first use is noted once
    # The token and its user with their permissions, and the dashboard's own ten.
    with django_assert_num_queries(11):
        client.get(URL, last_7_days())
    for _ in range(20):
        IncidentFactory(reported_at=at(2), resolved_at=at(1), resolution_met=True, logging_seconds=30, serious=True)

    with django_assert_num_queries(11):
        response = client.get(URL, last_7_days())

    assert len(response.json()["serious_now"]) == 20
