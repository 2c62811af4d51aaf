"""The desk's work list: each tab holds what waits on the desk, and nothing that waits on a group."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.choices import Impact, ResolutionCode, Urgency
from incidents.lifecycle import resolution
from incidents.lifecycle.reevaluation import reevaluation_request
from incidents.worklists.desk import TABS, worklist, worklist_counts
from incidents.worklists.queues import tab_named
from tests.cmdb.factories import ServiceFactory
from tests.factories import UserFactory
from tests.incidents.inbound.messages import receive, reply_to
from tests.incidents.workflow import classified, closed, investigating, record, resolved

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(operator, support_member, network, vpn):
    """One incident waiting in each tab, and one that waits on a group (in none)."""
    recorded = record(operator, short_description="Printer jams")
    first_line = classified(operator, vpn, short_description="Outlook asks for a password")
    resolution.incident_resolve_at_first_line(
        by=operator, incident_id=first_line.pk, resolution_code=ResolutionCode.NO_FAULT,
        resolution_notes="The caps lock was on.",
    )  # fmt: skip
    resolution.incident_reopen(by=None, incident_id=first_line.pk, reason="Still asks.", via_caller=True)
    asked = investigating(operator, vpn, network, short_description="Warehouse scanners offline")
    reevaluation_request(by=support_member, incident_id=asked.pk, impact=Impact.HIGH, urgency=Urgency.HIGH,
                         reason="All three warehouses.")  # fmt: skip
    serious = record(operator, short_description="Payroll down", impact=Impact.HIGH, urgency=Urgency.HIGH)
    silent = resolved(operator, vpn, network, support_member)
    replied = resolved(operator, vpn, network, support_member)
    receive(reply_to(replied, kind="resolved", body="It broke again this morning."))
    confirmed = resolved(operator, vpn, network, support_member)
    resolution.incident_confirm(incident_id=confirmed.pk, resolved_at=confirmed.resolved_at, satisfaction=5)
    with_group = investigating(operator, vpn, network, short_description="With the network team")
    return {
        "recorded": recorded, "reopened": first_line, "reevaluation": asked, "notices": serious,
        "replied": replied, "confirmed": confirmed, "unanswered": silent, "elsewhere": with_group,
    }  # fmt: skip


def test_each_tab_holds_what_waits_on_the_desk(board):
    found = {tab.name: [incident.number for incident in worklist(tab=tab, owner_id=None)] for tab in TABS}

    assert found == {
        "recorded": [board["notices"].number, board["recorded"].number],  # the serious one is P1, first
        "reopened": [board["reopened"].number],
        "reevaluation": [board["reevaluation"].number],
        "notices": [board["notices"].number],
        "replied": [board["replied"].number],
        "confirmed": [board["confirmed"].number],
        "unanswered": [board["unanswered"].number],
    }
    assert all(board["elsewhere"].number not in numbers for numbers in found.values())


def test_the_counts_match_the_tabs_in_one_query(board, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = worklist_counts(owner_id=None)

    assert counts == {"recorded": 2, "reopened": 1, "reevaluation": 1, "notices": 1, "replied": 1,
                      "confirmed": 1, "unanswered": 1}  # fmt: skip


def test_closed_incidents_are_in_no_tab_and_every_statement_names_the_states_still_worked(operator, board):
    """The desk's statements list the states (as ``incidents_desk_worklist`` does): "not closed" would make
    PostgreSQL count every incident ever recorded."""
    closed(operator, board["confirmed"])
    with CaptureQueriesContext(connection) as captured:
        counts = worklist_counts(owner_id=operator.pk)
        tabs = {tab.name: list(worklist(tab=tab, owner_id=operator.pk)) for tab in TABS}

    assert counts["confirmed"] == 0 and tabs["confirmed"] == []
    listed = """"incidents_incident"."state" IN ('recorded', 'classified', 'investigating', 'resolved')"""
    # The counts and each tab's rows; what the rows show besides the incident is read by id.
    by_id = 'WHERE ("incidents_incident"."id") IN ('  # a master, read by id for the row under it
    reading = [query["sql"] for query in captured.captured_queries if 'FROM "incidents_incident"' in query["sql"]]
    reading = [sql for sql in reading if by_id not in sql]
    assert len(reading) == 1 + len(TABS)
    assert all(listed in sql for sql in reading)


def test_only_mine_shows_the_incidents_an_operator_logged(board, operator):
    colleague = UserFactory(roles=["Service desk"])
    mine = record(colleague, short_description="Logged by a colleague")

    assert worklist_counts(owner_id=colleague.pk)["recorded"] == 1
    assert worklist_counts(owner_id=operator.pk)["recorded"] == 2
    assert mine.number not in [i.number for i in worklist(tab=TABS[0], owner_id=operator.pk)]


def test_the_page_shows_the_tabs_with_counts_at_a_fixed_cost(client, operator, board, django_assert_max_num_queries):
    client.force_login(operator)
    url = reverse("incidents:desk_worklist")
    assert url in client.get(reverse("home")).text

    page = client.get(url, {"tab": "confirmed"}).text
    assert board["confirmed"].number in page and board["recorded"].number not in page
    assert "Confirmed: close them" in page
    counts = []
    for extra in range(2):
        for _ in range(10 * extra):
            record(operator, service=ServiceFactory())
        with django_assert_max_num_queries(30) as queries:
            client.get(url)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    # The rows show the caller and the group: the lists' services, assignees and masters are not read.
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert 'FROM "cmdb_contact"' in read and 'FROM "cmdb_service"' not in read
    # The pager takes the tab's count from the tabs' statement rather than counting again.
    assert sum(query["sql"].startswith("SELECT COUNT(") for query in queries.captured_queries) == 1


def test_an_empty_tab_says_so_and_support_members_are_refused(client, operator, support_member):
    client.force_login(operator)
    assert "Every recorded incident is classified." in client.get(reverse("incidents:desk_worklist")).text
    client.force_login(support_member)

    assert client.get(reverse("incidents:desk_worklist")).status_code == 403


def test_a_fix_the_caller_rejects_is_on_the_desks_list_whoever_resolved_it(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    resolution.incident_reopen(by=None, incident_id=incident.pk, reason="Still broken.", via_caller=True)

    assert incident.number in [row.number for row in worklist(tab=tab_named("reopened", TABS), owner_id=None)]

    # Resolved again, it leaves the list.
    resolution.incident_resolve(by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND,
                                resolution_notes="Replaced the token.")  # fmt: skip
    assert incident.number not in [row.number for row in worklist(tab=tab_named("reopened", TABS), owner_id=None)]
