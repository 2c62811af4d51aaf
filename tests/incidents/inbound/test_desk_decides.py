"""A reply to a resolved incident: the desk sees it on the incident and in its work list, and decides whether
the fix holds; a closing it confirms is not an early one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.choices import ClosureReason
from incidents.worklists.desk import TABS, worklist, worklist_counts
from servicedesk.tabs import tab_named
from tests.incidents import workflow
from tests.incidents.inbound.messages import message, receive, reply_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(operator, vpn, network, support_member):
    incident = workflow.resolved(operator, vpn, network, support_member)
    receive(reply_to(incident, kind="resolved", body="Now it works, thank you!"))
    return incident


def test_the_desk_work_list_shows_resolved_incidents_a_caller_wrote_about(replied):
    tab = tab_named("replied", TABS)

    assert [incident.pk for incident in worklist(tab=tab, owner_id=None)] == [replied.pk]
    counts = worklist_counts(owner_id=None)
    assert (counts["replied"], counts["unanswered"]) == (1, 0)


def test_the_incident_page_offers_the_desk_its_decision(client, operator, replied):
    client.force_login(operator)

    page = client.get(replied.get_absolute_url())

    decision = page.context["reply_after_resolution"]
    assert decision["entry"].text == "Now it works, thank you!"
    close_url = reverse("incidents:step", args=[replied.number, "close"])
    assert decision["close_url"] == f"{close_url}?reason={ClosureReason.CONFIRMED_BY_REPLY}"
    assert "Now+it+works" in decision["reopen_url"]
    assert "replied after the resolution" in page.content.decode()


def test_the_step_page_is_filled_in_from_the_decision(client, operator, replied):
    client.force_login(operator)

    form = client.get(reverse("incidents:step", args=[replied.number, "close"]),
                      {"reason": ClosureReason.CONFIRMED_BY_REPLY, "version": 1}).context["form"]  # fmt: skip

    assert form["reason"].value() == ClosureReason.CONFIRMED_BY_REPLY
    assert form["version"].value() == replied.version


def test_a_group_member_sees_the_reply_but_not_the_desks_buttons(client, support_member, replied):
    client.force_login(support_member)

    decision = client.get(replied.get_absolute_url()).context["reply_after_resolution"]

    assert decision["close_url"] == ""


def test_the_desk_work_page_says_how_many_mails_wait(client, operator):
    receive(message(subject="New laptop request"))
    client.force_login(operator)

    page = client.get(reverse("incidents:desk_worklist"))

    assert "1 mail waits in the intake inbox." in page.content.decode()
