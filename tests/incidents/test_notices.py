"""Serious incidents: management is notified and the affected users informed, each journaled and mailed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, Urgency
from incidents.lifecycle import notices
from incidents.recording import calls
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, LocationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def serious(operator):
    site = LocationFactory()
    ci = ConfigurationItemFactory(name="exchange-01", location=site)
    ContactFactory(email="colleague@example.org", workplace=site)
    ContactFactory(email="elsewhere@example.org")
    UserFactory(username="boss", email="boss@example.org", roles=["Managers"])
    return calls.incident_record(
        by=operator, caller=ContactFactory(email="caller@example.org"), short_description="E-mail down everywhere",
        occurred_at=timezone.now(), impact=Impact.HIGH, urgency=Urgency.MEDIUM, serious=True, cis=[ci],
        serious_reason="The warehouse cannot ship.",
    )  # fmt: skip


def test_the_top_priority_is_serious_even_unticked(operator):
    incident = calls.incident_record(
        by=operator, caller=ContactFactory(), short_description="All down", occurred_at=timezone.now(),
        impact=Impact.HIGH, urgency=Urgency.HIGH,
    )  # fmt: skip

    assert incident.serious
    assert incident.serious_notices_pending


def test_notifying_management_mails_the_managers_after_commit_and_journals_it(
    operator, serious, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notices.incident_notify_management(by=operator, incident_id=serious.pk)

    assert len(callbacks) == 1
    assert mail.outbox[-1].to == ["boss@example.org"]
    assert serious.number in mail.outbox[-1].subject
    entry = serious.journal.get(kind=ActivityKind.NOTIFICATION)
    assert entry.data["recipients"] == ["boss@example.org"]
    serious.refresh_from_db()
    assert serious.management_notified_at is not None


def test_a_failed_notice_sends_nothing(operator, serious, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        notices.incident_inform_users(by=operator, incident_id=serious.pk, subject="", body="")

    assert callbacks == []
    assert mail.outbox == []


def test_informing_the_users_reaches_the_caller_and_the_people_at_the_cis_locations(
    operator, serious, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notices.incident_inform_users(by=operator, incident_id=serious.pk, subject="Mail is down", body="We know.")

    # One message each: nobody learns the others' addresses.
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "caller@example.org", "colleague@example.org",
    ]  # fmt: skip
    # The number is put in front, so that a reply finds its way back to the incident.
    assert {message.subject for message in mail.outbox} == {f"[{serious.number}] Mail is down"}
    serious.refresh_from_db()
    assert serious.users_informed_at is not None
    assert serious.serious_notices_pending  # management has not been notified yet
    entry = serious.journal.get(kind=ActivityKind.NOTIFICATION)
    assert (entry.visibility, entry.text) == ("customer", "We know.")


def test_the_page_blocks_with_both_actions_until_both_are_done(client, operator, serious):
    client.force_login(operator)
    url = serious.get_absolute_url()

    page = client.get(url).text
    assert "Serious incident: two notices first" in page
    assert "Notify management" in page and "Send to the affected users" in page

    client.post(reverse("incidents:notify_management", args=[serious.number]))
    client.post(reverse("incidents:inform_users", args=[serious.number]), {"subject": "Down", "body": "We know."})

    serious.refresh_from_db()
    assert not serious.serious_notices_pending
    assert "Serious incident: two notices first" not in client.get(url).text


def test_support_members_cannot_send_the_notices(client, support_member, serious):
    client.force_login(support_member)

    client.post(reverse("incidents:notify_management", args=[serious.number]))

    serious.refresh_from_db()
    assert serious.management_notified_at is None
