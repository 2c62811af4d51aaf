"""The incident page's statements: the incident with four relations, each other one it shows read by id when set,
and the same count whatever the journal, the subordinates and the calls (decision record 0040)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Impact, ResolutionCode, Urgency
from incidents.journal import notes
from incidents.lifecycle import escalation, people, resolution
from incidents.lifecycle.reevaluation import reevaluation_request
from incidents.recording import calls, details
from tests.cmdb.factories import (
    ChangeFactory,
    ConfigurationItemFactory,
    ContactFactory,
    LocationFactory,
    ServiceFactory,
)
from tests.incidents.workflow import closed, investigating, record
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def printing():
    """A category three levels deep, as the tree is in practice: the page shows its path."""
    return CategoryFactory(name="Paper jam", parent=CategoryFactory(name="Printer", parent=CategoryFactory(name="HW")))


def worked_on(operator, support_member, network, category, *, size: int):
    """A master incident under investigation with everything its page shows: a location, a CI with a change
    around the call, an assignee, ``size`` subordinates and as many calls added, a person kept informed, and
    ``size`` notes with a file each."""
    gateway = ConfigurationItemFactory()
    ChangeFactory(cis=[gateway], planned_start=timezone.now() - datetime.timedelta(hours=2))
    master = investigating(
        operator, category, network, location=LocationFactory(), service=ServiceFactory(), cis=[gateway]
    )
    escalation.incident_assign(by=support_member, incident_id=master.pk, assignee=support_member)
    people.incident_keep_informed(by=operator, incident_id=master.pk, email="boss@example.org")
    for number in range(size):
        record(operator, parent=master)
        calls.incident_add_call(by=operator, incident_id=master.pk, caller=ContactFactory(), symptoms="Again.")
        notes.incident_add_note(by=support_member, incident_id=master.pk, text=f"Note {number}")
    return master


def test_an_open_incident_takes_21_statements_whatever_its_journal_subordinates_and_calls(
    client, operator, support_member, network, printing, django_assert_num_queries
):
    client.force_login(operator)
    for size in (2, 20):
        master = worked_on(operator, support_member, network, printing, size=size)
        # The session, the user with their permissions (2); the incident with its caller, service, desk owner and
        # group, the time spent, its stored vector and whether a re-evaluation waits and subordinates exist (1); by
        # id, its location, assignee, service level, and category with the two levels above (4); the group's
        # members, the CIs, the subordinates with their callers (3): the permission rules read them (no
        # re-evaluation waits: none read). The changes around the call with their CIs (2), the review's open
        # problems and known errors (5: the words' statistics, then the matches on their plan made once, between a SET
        # and a RESET), the calls added for the impact
        # proposal (1), the people added (1), the journal's newest entries and their files (2).
        with django_assert_num_queries(21):
            response = client.get(master.get_absolute_url())
        page = response.text
        assert f"{size} subordinate incidents" in page
        assert "HW / Printer / Paper jam" in page
        assert master.location.name in page and "Sam" in page
        assert page.count('<li class="entry-') == min(master.journal.count(), 50)
        assert ("Show older entries" in page) == (master.journal.count() > 50)
        assert "boss@example.org" in page


def test_a_closed_incident_reads_each_relation_it_shows_once_and_no_review(
    client, operator, support_member, network, printing, django_assert_num_queries
):
    master = record(operator, short_description="Printers down on floor 3")
    incident = investigating(operator, printing, network, parent=master, location=LocationFactory())
    known_error, change, problem = KnownErrorFactory(published=True), ChangeFactory(), ProblemFactory()
    for target in (known_error, problem):
        details.incident_link(by=operator, incident_id=incident.pk, target=target)
    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="New fuser.", change=change,
    )  # fmt: skip
    closed(operator, incident)
    client.force_login(operator)

    # The session, the user with their permissions (2); the incident (1); by id, its location, service level,
    # category and master (4: no assignee); the group's members and CIs (2: no re-evaluation waits, no
    # subordinates); the resolution's known error, change, problem and category at closure (4); the people added
    # (1); the journal's entries and their files (2). Closed, it has no review and no impact proposal; without CIs,
    # no changes around.
    with django_assert_num_queries(16):
        page = client.get(incident.get_absolute_url()).text

    for shown in (known_error.number, change.number, problem.number, master.number, "HW / Printer / Paper jam"):
        assert shown in page


def test_the_resolution_is_read_only_once_the_incident_was_resolved(
    client, operator, network, printing, django_assert_num_queries
):
    linked, plain = (investigating(operator, printing, network) for _ in range(2))
    details.incident_link(by=operator, incident_id=linked.pk, target=KnownErrorFactory(published=True))
    client.force_login(operator)

    # As an open incident's above, without location, assignee, CIs or subordinates (so no statement reads them):
    # the linked known error is not read, as the resolution panel is not shown yet.
    for incident in (linked, plain):
        with django_assert_num_queries(16):
            client.get(incident.get_absolute_url())


def test_a_waiting_re_evaluation_is_read_in_one_statement_more_and_shown(
    client, operator, support_member, network, printing, django_assert_num_queries
):
    incident = investigating(operator, printing, network)
    reevaluation_request(
        by=support_member, incident_id=incident.pk, impact=Impact.HIGH, urgency=Urgency.HIGH, reason="Payroll tonight."
    )
    client.force_login(operator)

    # The plain open incident's 16 above, and the re-evaluation waiting with who asked for it.
    with django_assert_num_queries(17):
        page = client.get(incident.get_absolute_url()).text

    assert "Payroll tonight." in page and "Proposed: High impact, High urgency." in page


def test_a_number_no_incident_has_is_not_found(client, operator, network, printing):
    client.force_login(operator)
    incident = investigating(operator, printing, network)

    assert client.get(reverse("incidents:incident_detail", args=["INC9999999"])).status_code == 404
    assert client.get(reverse("incidents:incident_detail", args=[incident.number])).status_code == 200
