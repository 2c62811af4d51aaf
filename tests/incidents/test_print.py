"""The print view of one incident: its facts and what was written for its people, never an internal note; for
whoever may open the incident; the same number of queries however long the journal."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.journal import notes
from incidents.pages import printout
from tests.cmdb.factories import ConfigurationItemFactory
from tests.factories import UserFactory
from tests.incidents.workflow import investigating

pytestmark = pytest.mark.django_db

NOTE = "Internal: the firewall rule was wrong, do not tell the caller yet"
UPDATE = "We found the cause and are fixing it."


@pytest.fixture
def incident(operator, network, vpn):
    return investigating(operator, vpn, network, short_description="VPN does not connect", symptoms="Error 809")


def print_url(incident) -> str:
    return reverse("incidents:incident_print", args=[incident.number])


def test_the_print_view_shows_the_facts_and_the_callers_journal_but_no_work_note(
    client, operator, incident, support_member
):
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text=NOTE)
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text=UPDATE)
    client.force_login(operator)

    response = client.get(print_url(incident))

    page = response.text
    assert response.status_code == 200
    assert f"<h1>{incident.number} VPN does not connect</h1>" in page
    assert "Error 809" in page and "Network operations" in page and incident.caller.full_name in page
    assert UPDATE in page
    assert NOTE not in page
    assert "@media print" not in page  # the print stylesheet is the site's, not inline (the CSP)
    assert "data-print" in page and "js/print.js" in page


def test_the_incident_page_links_to_its_print_view(client, operator, incident):
    client.force_login(operator)

    page = client.get(incident.get_absolute_url()).text

    assert f'<a class="button small" href="{print_url(incident)}">Print</a>' in page


def test_only_who_may_open_the_incident_may_print_it(client, incident):
    client.force_login(UserFactory(roles=["Configuration managers"]))
    assert client.get(print_url(incident)).status_code == 403
    client.force_login(UserFactory(roles=["Managers"]))
    assert client.get(print_url(incident)).status_code == 200
    assert client.get(reverse("incidents:incident_print", args=["INC9999999"])).status_code == 404
    client.logout()
    assert client.get(print_url(incident)).status_code == 302


def test_a_long_journal_prints_its_latest_entries_and_says_older_were_left_out(
    client, operator, incident, support_member, monkeypatch
):
    monkeypatch.setattr(printout, "PRINTED_ENTRIES", 2)
    for n in range(3):
        notes.incident_send_update(by=support_member, incident_id=incident.pk, text=f"Update number {n}")
    client.force_login(operator)

    page = client.get(print_url(incident)).text

    assert "Update number 0" not in page
    assert page.index("Update number 1") < page.index("Update number 2")  # oldest first, as paper reads
    assert "The latest 2 entries; older ones are left out." in page


def test_the_print_view_reads_the_same_number_of_queries_with_2_or_20_entries(
    client, operator, incident, support_member
):
    incident.cis.add(ConfigurationItemFactory(), ConfigurationItemFactory())
    client.force_login(operator)
    counts = []
    for added in (2, 18):
        for n in range(added):
            notes.incident_send_update(by=support_member, incident_id=incident.pk, text=f"Update {n}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(print_url(incident)).status_code == 200
        counts.append(len(queries))
    # Session, user, the incident with caller, service and group; its location, assignee, category, master, CIs
    # (each only when set: here category and CIs); the journal and its attachments.
    assert counts == [counts[0]] * 2
    assert counts[0] == 7, counts
