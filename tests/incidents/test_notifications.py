"""What is sent to whom: the caller's mails, the group's, management's, the service-level stages, and the bell."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from incidents.choices import ActivityKind, Impact, Urgency, Visibility
from incidents.lifecycle import holds, notices, resolution
from incidents.lifecycle.escalation import incident_escalate
from incidents.mail import bell, staff
from incidents.models import Incident, OutboxMessage, StaffNotification
from incidents.servicelevels import sweep
from servicedesk.models import Density, Theme
from servicedesk.preferences import preferences_save
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.workflow import classified, closed, record, resolved

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(support_member):
    boss = UserFactory(username="gina", email="gina@example.org", roles=["Support"])
    return SupportGroupFactory(name="Network operations", email="network@example.org", members=[support_member],
                               manager=boss)  # fmt: skip


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# --- to the caller ------------------------------------------------------------------------------------


def test_recording_mails_the_caller_the_number_and_journals_it_on_the_recording(
    operator, django_capture_on_commit_callbacks
):
    caller = ContactFactory(first_name="Cleo", email="cleo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, caller=caller)

    [message] = mail.outbox
    assert message.to == ["cleo@example.org"]
    assert message.subject == f"[{incident.number}] Recorded: VPN does not connect"
    assert message.body.startswith("Dear Cleo,") and incident.number in message.body
    [(html, _mimetype)] = message.alternatives
    assert incident.number in html
    entry = incident.journal.get(kind=ActivityKind.RECORDED)
    assert (entry.data["recipients"], entry.data["subject"]) == (["cleo@example.org"], message.subject)


def test_a_caller_without_an_address_gets_nothing_on_recording(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, caller=ContactFactory(email=""))

    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(incident=incident).exists()
    assert "recipients" not in incident.journal.get(kind=ActivityKind.RECORDED).data


def test_closing_mails_the_caller(operator, support_member, group, vpn, django_capture_on_commit_callbacks):
    incident = resolved(operator, vpn, group, support_member)

    with django_capture_on_commit_callbacks(execute=True):
        closed(operator, incident, root_cause_category=vpn)

    [message] = mails_to(incident.caller.email)
    assert message.subject == f"[{incident.number}] Closed: VPN does not connect"
    assert "is now closed" in message.body
    closing = incident.journal.filter(kind=ActivityKind.STATE_CHANGED, data__step="close").get()
    assert closing.data["recipients"] == [incident.caller.email]


def test_awaiting_an_answer_asks_the_caller_and_journals_the_question(operator, django_capture_on_commit_callbacks):
    incident = record(operator)

    with django_capture_on_commit_callbacks(execute=True):
        holds.incident_await_caller(by=operator, incident_id=incident.pk, reason="Which VPN client version?")

    [message] = [m for m in mails_to(incident.caller.email) if "Awaiting" in m.subject]
    assert message.subject == f"[{incident.number}] Awaiting your answer: VPN does not connect"
    assert "Which VPN client version?" in message.body and "/incidents/reply/" in message.body
    entry = incident.journal.get(kind=ActivityKind.NOTIFICATION, data__notice="awaiting_answer")
    assert (entry.data["notice"], entry.visibility) == ("awaiting_answer", Visibility.CUSTOMER)


# --- to the staff -------------------------------------------------------------------------------------


def test_escalating_mails_the_group_and_rings_its_members_bell(
    operator, support_member, group, vpn, django_capture_on_commit_callbacks
):
    incident = classified(operator, vpn)

    with django_capture_on_commit_callbacks(execute=True):
        incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")

    assert sorted(m.to[0] for m in mail.outbox) == ["network@example.org", support_member.email]
    assert all(m.subject.startswith(f"[{incident.number}] Assigned to Network operations") for m in mail.outbox)
    assert "Needs the network." in mail.outbox[0].body
    [bell] = StaffNotification.objects.filter(incident=incident)
    assert (bell.user, bell.kind, bell.read_at) == (support_member, "assigned", None)
    assert bell.text.startswith(f"{incident.number} was escalated to Network operations")
    escalation = incident.journal.get(kind=ActivityKind.ESCALATED)
    assert sorted(escalation.data["recipients"]) == ["network@example.org", support_member.email]


def test_a_caller_reopening_rings_the_groups_members_and_the_desk_owner(operator, support_member, group, vpn):
    incident = resolved(operator, vpn, group, support_member)

    resolution.incident_reopen(by=None, incident_id=incident.pk, reason="Still fails from home.", via_caller=True)

    bells = StaffNotification.objects.filter(incident=incident, kind="reopened_by_caller").order_by("user_id")
    assert {bell.user for bell in bells} == {support_member, operator}  # the desk owns it, whoever resolved it
    assert {bell.text for bell in bells} == {f"{incident.number} was reopened by the caller: Still fails from home."}


def test_the_serious_notice_goes_through_the_outbox_and_rings_the_managers(
    operator, manager, django_capture_on_commit_callbacks
):
    incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)

    with django_capture_on_commit_callbacks(execute=True):
        notices.incident_notify_management(by=operator, incident_id=incident.pk)

    [row] = OutboxMessage.objects.filter(incident=incident, kind="serious")
    assert (row.recipient, row.state) == (manager.email, "sent")
    [message] = mails_to(manager.email)
    assert message.subject == f"[{incident.number}] Serious incident: VPN does not connect"
    assert StaffNotification.objects.filter(user=manager, incident=incident, kind="serious").count() == 1


# --- service levels -----------------------------------------------------------------------------------


def test_each_member_reads_the_escalation_in_their_own_language_the_mailbox_in_the_desks(
    operator, support_member, group, vpn, django_capture_on_commit_callbacks
):
    preferences_save(by=support_member, theme=Theme.SYSTEM, density=Density.COMFORTABLE, language="nl")
    incident = classified(operator, vpn)

    # The operator works in English; what each reader gets does not depend on it.
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        escalated = incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")

    mails = {message.to[0]: message for message in mail.outbox}
    dutch, mailbox = mails[support_member.email], mails["network@example.org"]
    assert dutch.subject.startswith(f"[{incident.number}] Toegewezen aan Network operations")
    assert "is geëscaleerd naar Network operations" in dutch.body and "Prioriteit:" in dutch.body
    assert mailbox.subject.startswith(f"[{incident.number}] Assigned to Network operations")
    assert "Priority:" in mailbox.body
    assert (
        escalated.journal.get(kind=ActivityKind.ESCALATED).data["subject"].startswith(f"[{incident.number}] Assigned")
    )


def test_a_warning_goes_to_the_group_once_per_due_time(
    operator, support_member, group, vpn, django_capture_on_commit_callbacks
):
    incident = classified(operator, vpn)
    incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")
    incident = Incident.objects.get(pk=incident.pk)
    incident.resolution_due_at = timezone.now() + datetime.timedelta(hours=2)
    StaffNotification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        first = sweep.sla_notify(incident=incident, target="resolution", stage="warning")
        again = sweep.sla_notify(incident=incident, target="resolution", stage="warning")

    assert sorted(row.recipient for row in first) == ["network@example.org", support_member.email]
    assert again == []
    assert sorted(m.to[0] for m in mail.outbox) == ["network@example.org", support_member.email]
    assert mail.outbox[0].subject == f"[{incident.number}] 75% of the resolution time used: VPN does not connect"
    assert list(StaffNotification.objects.values_list("user", "kind")) == [(support_member.pk, "sla_warning")]
    assert incident.journal.filter(kind=ActivityKind.NOTIFICATION, data__notice="sla_warning").count() == 1


def test_a_stage_with_nobody_to_mail_is_still_journaled_and_rung(operator, vpn):
    silent = SupportGroupFactory(name="Night shift", email="", members=[UserFactory(email="", roles=["Support"])])
    incident = classified(operator, vpn)
    incident_escalate(by=operator, incident_id=incident.pk, group=silent, reason="Out of hours.")
    incident = Incident.objects.get(pk=incident.pk)

    assert sweep.sla_notify(incident=incident, target="resolution", stage="warning") == []

    entry = incident.journal.get(kind=ActivityKind.NOTIFICATION, data__notice="sla_warning")
    assert entry.text.endswith("nobody to mail.")


def test_a_breach_goes_to_the_groups_manager_and_the_managers(operator, manager, group, vpn):
    incident = classified(operator, vpn)
    incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")
    incident = Incident.objects.get(pk=incident.pk)

    outgoing = staff.sla_warning_messages(incident, "response", "breach")

    assert sorted(mail.recipient for mail in outgoing) == ["gina@example.org", manager.email]
    assert {mail.kind for mail in outgoing} == {"sla_breach"}
    assert all(mail.dedupe_key.startswith(f"sla:{incident.pk}:response:breach:") for mail in outgoing)
    assert outgoing[0].subject == f"[{incident.number}] Response target breached: VPN does not connect"
    with pytest.raises(ValueError):
        staff.sla_warning_messages(incident, "response", "panic")


# --- the bell -----------------------------------------------------------------------------------------


def ring(user, count: int, incident: Incident | None = None) -> None:
    for _ in range(count):
        bell.notify_staff(users=[user], incident=incident, kind="assigned", text="Something happened")


def test_the_bell_counts_unread_notifications_without_a_query_of_its_own(
    client, operator, support_member, django_assert_num_queries
):
    client.force_login(support_member)
    client.get(reverse("home"))  # warm up: sessions, content types
    with CaptureQueriesContext(connection) as quiet:
        quiet_page = client.get(reverse("home"))
    incident = record(operator)
    ring(support_member, 3, incident)
    ring(operator, 2, incident)

    with django_assert_num_queries(len(quiet.captured_queries)):
        page = client.get(reverse("home"))

    assert "bell-count" not in quiet_page.content.decode()
    assert '<span class="badge badge-bad bell-count">3</span>' in page.content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_notification_list_shows_ones_own_in_a_fixed_number_of_queries(
    client, operator, support_member, rows, django_assert_num_queries
):
    incident = record(operator)
    ring(support_member, rows, incident)
    ring(operator, 1, incident)
    client.force_login(support_member)
    client.get(reverse("home"))

    # The session, the user (with the bell's count, permissions and roles), the page's count and its rows.
    with django_assert_num_queries(4):
        response = client.get(reverse("incidents:notifications"))

    assert response.status_code == 200
    assert len(response.context["notifications"]) == rows
    assert incident.number in response.content.decode()


def test_marking_read_one_and_all_only_ones_own(client, operator, support_member):
    incident = record(operator)
    ring(support_member, 3, incident)
    ring(operator, 1, incident)
    mine = StaffNotification.objects.filter(user=support_member).order_by("pk")
    theirs = StaffNotification.objects.get(user=operator)
    client.force_login(support_member)

    response = client.post(
        reverse("incidents:notification_read", args=[mine[0].pk]), {"next": incident.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    assert client.post(reverse("incidents:notification_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("incidents:notification_read", args=[mine[1].pk]), {"next": "https://evil.example/"})[
        "Location"
    ] == reverse("incidents:notifications")

    client.post(reverse("incidents:notifications_read_all"))

    assert not StaffNotification.objects.filter(user=support_member, read_at__isnull=True).exists()
    assert StaffNotification.objects.get(pk=theirs.pk).read_at is None
