"""The list and an incident whole are read in a fixed number of SQL statements, whatever the number of rows: the
same with 2 and with 20 (the token's lookup is one of them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.journal import notes
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory
from tests.incidents.workflow import investigating, record

pytestmark = pytest.mark.django_db

# The token with its user's permissions (decision 0038); then the page and the relations its rows have (callers,
# services, groups, masters: each read by id), or the incident with its desk owner, category and service level
# (each read by id when it has one), its group's members, CIs, journal and the journal's files, subordinates.
LIST_QUERIES = 6
DETAIL_QUERIES = 10


def statements(client, path: str, query: dict | None = None) -> int:
    client.get(path, query or {})  # the token's last use is noted once a minute: not in the count
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, query or {}).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_reads_in_a_fixed_number_of_statements(rows, api, operator, support_member, network, vpn):
    service = ServiceFactory()
    master = record(operator, service=service)
    for n in range(rows):
        incident = investigating(operator, vpn, network, service=service) if n % 2 else record(operator, parent=master)
        assert incident.pk
    client = api(support_member)
    assert statements(client, "/api/v1/incidents/", {"state": "all"}) == LIST_QUERIES
    assert statements(client, "/api/v1/incidents/", {"priority": ["3", "4"]}) == LIST_QUERIES


@pytest.mark.parametrize("rows", [2, 20])
def test_an_incident_whole_reads_in_a_fixed_number_of_statements(rows, api, operator, support_member, network, vpn):
    cis = ConfigurationItemFactory.create_batch(rows)
    incident = investigating(operator, vpn, network, cis=cis)
    for n in range(rows):
        notes.incident_add_note(by=support_member, incident_id=incident.pk, text=f"Looked at it ({n}).")
        record(operator, parent=incident)
    assert statements(api(support_member), f"/api/v1/incidents/{incident.number}/") == DETAIL_QUERIES
