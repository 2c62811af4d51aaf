"""The audit history on the incident page: what changed, by whom, in words, newest first and paged."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from incidents.choices import Impact, Urgency
from incidents.lifecycle import classification
from incidents.models import Incident
from servicedesk.actor import acting_as
from tests.cmdb.factories import ConfigurationItemFactory
from tests.factories import UserFactory
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[str]:
    """The table's rows as text, cells separated by " | "."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        found.append(" | ".join(" ".join(html.unescape(cell).split()) for cell in cells))
    return found


def test_the_history_names_fields_values_and_who_changed_them(client, operator, vpn):
    incident = record(operator, short_description="VPN drops")
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    with acting_as(operator, "shell"):
        classification.incident_classify(
            by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.MEDIUM
        )
        incident.cis.add(gateway)
    Incident.objects.filter(pk=incident.pk).update(short_description="VPN drops every hour")  # no actor: raw
    client.force_login(operator)

    page = client.get(reverse("incidents:history", args=[incident.number])).text

    shown = rows(page)
    assert "Short description | VPN drops | VPN drops every hour" in shown[1]  # newest first, no actor
    assert "the system" in shown[1]
    assert any(row.endswith("Configuration item | — | vpn-gw-01") for row in shown)
    assert any(row.endswith("Category | — | VPN") for row in shown)
    assert any(row.endswith("State | Recorded | Classified") for row in shown)
    assert "Olivia" in page


def test_the_history_is_paged(client, operator, monkeypatch):
    monkeypatch.setattr("incidents.views.history.HISTORY_PAGE_SIZE", 2)
    incident = record(operator)
    for n in range(3):
        Incident.objects.filter(pk=incident.pk).update(short_description=f"Wording {n}")
    client.force_login(operator)
    url = reverse("incidents:history", args=[incident.number])

    first, last = client.get(url).text, client.get(url, {"page": 2}).text

    newest = [row.split(" | ")[-2:] for row in rows(first)[1:]]
    assert newest == [["Wording 1", "Wording 2"], ["Wording 0", "Wording 1"]]
    assert "Older" in first and "Newer" not in first
    assert any(row.endswith("Short description | VPN does not connect | Wording 0") for row in rows(last))
    assert "Newer" in last and "Older" not in last
    assert "4 changes, newest first" in first


def test_the_history_costs_the_same_queries_whatever_its_length(client, operator, vpn, django_assert_num_queries):
    client.force_login(operator)
    counts = []
    for changes in (2, 20):
        incident = record(operator)
        for n in range(changes):
            Incident.objects.filter(pk=incident.pk).update(short_description=f"Wording {n}", category=vpn)
            incident.cis.add(ConfigurationItemFactory())
        with django_assert_num_queries(25, exact=False) as queries:
            client.get(reverse("incidents:history", args=[incident.number]))
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_those_who_may_not_read_incidents_may_not_read_their_history(client, operator):
    incident = record(operator)
    client.force_login(UserFactory())

    assert client.get(reverse("incidents:history", args=[incident.number])).status_code == 403


def test_the_incident_page_offers_the_history(client, operator):
    incident = record(operator)
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text

    assert "Audit history" in page
    assert reverse("incidents:history", args=[incident.number]) in page


def test_the_history_names_a_task_but_not_a_requests_address(client, operator, vpn):
    incident = record(operator)
    with acting_as(operator, "request POST /incidents/c/secret-signed-token/confirm/"):
        Incident.objects.filter(pk=incident.pk).update(short_description="Changed through a link")
    with acting_as(None, "task incidents.tasks.incident_close_automatically"):
        Incident.objects.filter(pk=incident.pk).update(short_description="Changed by a task")
    client.force_login(operator)

    page = client.get(reverse("incidents:history", args=[incident.number])).text

    assert "secret-signed-token" not in page
    assert "task incidents.tasks.incident_close_automatically" in page


@pytest.mark.parametrize("name", ["incidents:history", "incidents:sla_ledger"])
def test_a_part_of_the_incident_page_opened_on_its_own_is_a_page_with_a_way_back(client, operator, name):
    incident = record(operator)
    client.force_login(operator)
    url = reverse(name, args=[incident.number])

    alone = client.get(url).text
    in_place = client.get(url, headers={"HX-Request": "true"}).text

    assert f'href="{incident.get_absolute_url()}"' in alone
    assert 'aria-label="Main"' in alone
    assert "<html" not in in_place and 'aria-label="Main"' not in in_place
