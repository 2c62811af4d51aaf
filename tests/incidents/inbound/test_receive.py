"""The one way in for mail: each message stored once and decided, a reply journaled on its incident, anything
else in the intake inbox or kept with its reason; nothing dropped."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from incidents.choices import ActivityKind, State, Visibility
from incidents.inbound import receive as receive_module
from incidents.inbound.receive import mail_decide_again
from incidents.lifecycle import holds
from incidents.mail.outbox import outbox_message_id
from incidents.models import (
    Activity,
    InboundMail,
    InboundState,
    IncidentPerson,
    OutboxMessage,
    OutboxState,
    PersonReason,
    StaffNotification,
)
from tests.cmdb.factories import ContactFactory
from tests.incidents import workflow
from tests.incidents.inbound.messages import desk_mail, message, png, receive, reply_to

pytestmark = pytest.mark.django_db

GMAIL_REPLY = """Yes, it still happens after the restart.

Thanks,
Anna

On Sat, 5 Dec 2026 at 10:14, Service desk <servicedesk@localhost> wrote:
> Does it still happen after a restart?
"""


def replies(incident):
    return list(Activity.objects.filter(incident=incident, kind=ActivityKind.CALLER_REPLIED))


def test_a_reply_from_the_caller_is_journaled_for_them_to_see_without_the_quoted_history(
    operator, vpn, network, support_member, django_capture_on_commit_callbacks
):
    incident = workflow.investigating(operator, vpn, network)

    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(reply_to(incident, body=GMAIL_REPLY))

    assert inbound.state == InboundState.REPLY
    [entry] = replies(incident)
    assert entry.text == "Yes, it still happens after the restart."
    assert entry.visibility == Visibility.CUSTOMER and entry.author is None
    assert entry.data["via"] == "mail" and entry.data["from"] == incident.caller.full_name
    assert entry.data["mail"] == inbound.pk
    assert (inbound.incident, inbound.entry, inbound.answers) == (incident, entry, desk_mail(incident))
    # The group hears of it, by bell and by mail.
    assert StaffNotification.objects.filter(user=support_member, incident=incident, kind="reply_received").exists()
    [told] = [sent for sent in django_mail.outbox if support_member.email in sent.to]
    assert "still happens after the restart" in told.body


def test_a_reply_is_matched_by_the_number_in_its_subject_when_its_headers_name_no_mail_of_the_desk(operator):
    incident = workflow.record(operator)
    raw = message(sender=incident.caller.email, subject=f"AW: [{incident.number}] Recorded", body="Also on Wi-Fi.")

    inbound = receive(raw)

    assert inbound.state == InboundState.REPLY and inbound.incident == incident
    assert "subject" in inbound.reason


def test_a_made_up_desk_message_id_threads_nothing(operator):
    incident = workflow.record(operator)
    row = desk_mail(incident)
    forged = outbox_message_id(row).replace(".", ".1", 1)  # right id, wrong time

    inbound = receive(message(sender=incident.caller.email, subject="Hello", answers=forged))

    assert inbound.state == InboundState.INTAKE and inbound.regarding is None


def test_another_desks_message_id_of_the_same_shape_threads_nothing(operator):
    incident = workflow.record(operator)
    other_desk = outbox_message_id(desk_mail(incident)).replace("@localhost>", "@desk.example.net>")

    inbound = receive(message(sender=incident.caller.email, subject="Hello", answers=other_desk))

    assert inbound.state == InboundState.INTAKE and inbound.regarding is None


def test_the_same_message_is_taken_once_by_its_source_id_and_by_its_message_id(operator):
    incident = workflow.record(operator)
    raw = reply_to(incident, body="Once only.")

    first = receive(raw, "one")
    assert receive(raw, "one") == first
    assert receive(raw, "copy-in-another-mailbox") == first

    assert InboundMail.objects.count() == 1
    assert len(replies(incident)) == 1


def test_a_reply_from_someone_who_is_not_one_of_the_incidents_people_waits_in_the_intake_inbox(operator):
    incident = workflow.record(operator)
    raw = reply_to(incident, sender="Mallory <mallory@example.net>", body="Please close it.")

    inbound = receive(raw)

    assert inbound.state == InboundState.INTAKE
    assert inbound.regarding == incident and inbound.incident is None
    assert "mallory@example.net is not one of its people" in inbound.reason
    assert replies(incident) == []


def test_a_reply_from_a_person_whose_call_was_added_is_theirs(operator):
    incident = workflow.record(operator)
    colleague = ContactFactory(first_name="Ben", last_name="Ortiz")
    IncidentPerson.objects.create(incident=incident, contact=colleague, reason=PersonReason.CALL_ADDED)

    inbound = receive(reply_to(incident, sender=colleague.email.upper(), body="Same here."))

    assert inbound.state == InboundState.REPLY
    [entry] = replies(incident)
    assert entry.data["from"] == "Ben Ortiz" and entry.data["person"] == f"contact:{colleague.pk}"


def test_a_sender_the_receiving_server_could_not_verify_is_not_trusted(operator):
    incident = workflow.record(operator)
    spoofed = {"Authentication-Results": "mx.example.com; spf=fail smtp.mailfrom=example.org; dmarc=fail"}

    inbound = receive(reply_to(incident, headers=spoofed))

    assert inbound.state == InboundState.INTAKE and "DMARC" in inbound.reason
    assert replies(incident) == []


def test_a_reply_to_a_closed_incident_waits_in_the_intake_inbox_linked_to_it(operator, vpn, network, support_member):
    incident = workflow.closed(operator, workflow.resolved(operator, vpn, network, support_member))

    inbound = receive(reply_to(incident, kind="closed", body="It is broken again."))

    assert inbound.state == InboundState.INTAKE and inbound.regarding == incident
    assert "closed" in inbound.reason
    assert replies(incident) == []


def test_an_answer_while_the_incident_waits_on_the_caller_runs_the_clock_again(operator, vpn, network, support_member):
    incident = workflow.investigating(operator, vpn, network)
    holds.incident_await_caller(by=support_member, incident_id=incident.pk, reason="Which VPN client version?")

    receive(reply_to(incident, kind="awaiting_answer", body="Version 5.2."))

    incident.refresh_from_db()
    assert incident.awaiting_caller_since is None
    resumed = Activity.objects.filter(incident=incident, data__step="resume").get()
    assert resumed.data["via"] == "caller_link"


def test_a_reply_to_a_resolved_incident_leaves_the_decision_to_the_desk(operator, vpn, network, support_member):
    incident = workflow.resolved(operator, vpn, network, support_member)

    receive(reply_to(incident, kind="resolved", body="Still the same error."))

    incident.refresh_from_db()
    assert incident.state == State.RESOLVED and incident.confirmed_at is None
    assert StaffNotification.objects.filter(user=operator, incident=incident, kind="reply_received").exists()


def test_files_are_checked_like_a_work_notes_and_the_refused_ones_are_named(operator):
    incident = workflow.record(operator)
    files = [("screen.png", "image/png", png()), ("tool.exe", "application/octet-stream", b"MZ\x90\x00")]

    receive(reply_to(incident, body="See the screenshot.", files=files))

    [entry] = replies(incident)
    assert [attachment.name for attachment in entry.attachments.all()] == ["screen.png"]
    [refused] = entry.data["files_refused"]
    assert refused.startswith("tool.exe")


def test_an_html_only_reply_is_read_as_text_and_nothing_of_its_markup_runs():
    raw = message(body="", html="<html><script>alert(1)</script><p>Hello <b>desk</b></p></html>")

    inbound = receive(raw)

    assert "Hello desk" in inbound.text and "alert" not in inbound.text and "<" not in inbound.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X-Autoreply": "yes"},
        {"List-Unsubscribe": "<mailto:leave@lists.example.org>"},
    ],
)
def test_automatic_mail_changes_nothing_even_when_it_answers_the_desk(operator, vpn, network, support_member, headers):
    incident = workflow.resolved(operator, vpn, network, support_member)
    mails_before = OutboxMessage.objects.count()

    inbound = receive(reply_to(incident, kind="resolved", subject="Automatic reply: away", headers=headers))

    assert inbound.state == InboundState.AUTOMATIC
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED
    assert replies(incident) == [] and OutboxMessage.objects.count() == mails_before


def test_the_desks_own_mail_coming_back_is_left_alone(operator):
    incident = workflow.record(operator)

    own = receive(message(sender="Service desk <servicedesk@localhost>", subject=f"[{incident.number}] Recorded"))
    looped = receive(reply_to(incident, headers={"X-Loop": "servicedesk@localhost"}))

    assert own.state == looped.state == InboundState.AUTOMATIC
    assert replies(incident) == []


def test_a_bounce_marks_the_desks_mail_and_tells_the_desk(operator):
    incident = workflow.record(operator)
    row = desk_mail(incident)
    report = (
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n"
        "From: MAILER-DAEMON@mx.example.org\r\nTo: servicedesk@localhost\r\nSubject: Undelivered Mail\r\n"
        "Message-ID: <bounce-1@mx.example.org>\r\nAuto-Submitted: auto-replied\r\n\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {row.recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {outbox_message_id(row)}\r\n"
        f"Subject: {row.subject}\r\n\r\n--b1--\r\n"
    ).encode()

    inbound = receive(report)

    assert inbound.state == InboundState.BOUNCE and inbound.answers == row
    row.refresh_from_db()
    assert row.state == OutboxState.BOUNCED and "User unknown" in row.last_error
    entry = Activity.objects.get(incident=incident, kind=ActivityKind.MAIL_BOUNCED)
    assert row.recipient in entry.text and entry.visibility == Visibility.INTERNAL
    assert StaffNotification.objects.filter(user=operator, kind="mail_bounced").exists()


@override_settings(INBOUND_RATE_PER_HOUR=3)
def test_a_sender_writing_too_often_is_kept_for_an_administrator():
    states = [receive(message(subject=f"Mail {n}")).state for n in range(5)]

    assert states == [InboundState.INTAKE] * 3 + [InboundState.REFUSED] * 2
    assert "INBOUND_RATE_PER_HOUR" in InboundMail.objects.filter(state=InboundState.REFUSED).first().reason


@override_settings(INBOUND_MAX_BYTES=2000)
def test_a_message_too_large_is_kept_whole_with_its_headers_read():
    raw = message(subject="Huge log", body="x" * 5000)

    inbound = receive(raw)

    assert inbound.state == InboundState.REFUSED and "INBOUND_MAX_BYTES" in inbound.reason
    assert inbound.subject == "Huge log" and inbound.sender == "anna.keller@example.org"
    assert bytes(inbound.raw) == raw


def test_a_message_without_a_sender_is_kept_with_the_reason():
    inbound = receive(b"Subject: who am I\r\n\r\nNo From header here.\r\n")

    assert inbound.state == InboundState.REFUSED and "no sender" in inbound.reason


def test_a_message_that_fails_to_be_decided_is_kept_and_can_be_taken_again(operator, admin_user, monkeypatch):
    incident = workflow.record(operator)

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(receive_module, "incident_reply", broken)
    inbound = receive(reply_to(incident, body="Hello?"))
    assert inbound.state == InboundState.REFUSED and "the disk is full" in inbound.reason
    assert replies(incident) == []

    monkeypatch.undo()
    with pytest.raises(PermissionDenied):
        mail_decide_again(by=operator, mail_id=inbound.pk)
    again = mail_decide_again(by=admin_user, mail_id=inbound.pk)

    assert again.state == InboundState.REPLY and len(replies(incident)) == 1


def test_the_admin_lists_inbound_mail_and_takes_refused_messages_again(admin_client, operator, monkeypatch):
    incident = workflow.record(operator)
    monkeypatch.setattr(receive_module, "incident_reply", lambda **kwargs: (_ for _ in ()).throw(OSError("disk")))
    refused = receive(reply_to(incident, body="Retry me."))
    monkeypatch.undo()

    listing = admin_client.get("/admin/incidents/inboundmail/")
    assert listing.status_code == 200 and "Retry me" not in listing.content.decode()
    response = admin_client.post(
        "/admin/incidents/inboundmail/", {"action": "take_again", "_selected_action": [refused.pk]}, follow=True
    )

    refused.refresh_from_db()
    assert refused.state == InboundState.REPLY
    assert "Taken again." in response.content.decode()
    assert admin_client.get(f"/admin/incidents/inboundmail/{refused.pk}/change/").status_code == 200
