"""The desk's intake inbox: a mail that is not a reply waits until an operator records it, adds it to an
incident as a call, or sets it aside with a reason; each outcome is kept with who decided."""

from __future__ import annotations

import datetime
import email
import email.policy
from email.utils import format_datetime

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Channel
from incidents.inbound import intake
from incidents.models import Activity, Dismissal, InboundState, Incident
from tests.cmdb.factories import ContactFactory
from tests.incidents import workflow
from tests.incidents.inbound.messages import message, png, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna():
    return ContactFactory(first_name="Anna", last_name="Keller", email="anna.keller@example.org")


def new_mail(**values):
    inbound = receive(message(**values))
    assert inbound.state == InboundState.INTAKE
    return inbound


def test_the_inbox_lists_what_waits_and_the_navigation_counts_it(client, operator):
    new_mail(subject="Printer on floor 3 jams")
    new_mail(subject="Re: Fwd: Scanner offline", sender="Unknown <who@example.net>")
    client.force_login(operator)

    page = client.get(reverse("incidents:inbox"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Printer on floor 3 jams" in html and "Scanner offline" in html
    inbox_link = next(link for link in page.context["navigation"] if link.url == reverse("incidents:inbox"))
    assert inbox_link.count == 2 and inbox_link.current


def test_support_groups_do_not_read_the_intake_inbox(client, support_member):
    inbound = new_mail()
    client.force_login(support_member)

    assert client.get(reverse("incidents:inbox")).status_code == 403
    assert client.get(reverse("incidents:inbox_mail", args=[inbound.pk])).status_code == 403
    assert client.get(reverse("incidents:inbox_original", args=[inbound.pk])).status_code == 403


def test_a_mail_page_shows_the_text_the_files_and_the_three_ways_with_a_fixed_number_of_queries(
    client, operator, anna, django_assert_max_num_queries
):
    inbound = new_mail(body="The printer jams.\n\nPage 2 too.", files=[("jam.png", "image/png", png())])
    client.force_login(operator)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("incidents:inbox_mail", args=[inbound.pk]))

    html = page.content.decode()
    assert "The printer jams." in html and "jam.png" in html and "known in the CMDB" in html
    assert page.context["add_form"]["caller_id"].value() == anna.pk
    assert f"{reverse('incidents:record')}?mail={inbound.pk}" in html


def test_recording_a_mail_fills_the_form_from_it_and_records_it_once(
    client, operator, anna, django_capture_on_commit_callbacks
):
    inbound = new_mail(subject="RE: [INC0000001] Fwd: Printer jams", files=[("jam.png", "image/png", png())])
    client.force_login(operator)

    form = client.get(reverse("incidents:record"), {"mail": inbound.pk}).context["form"]

    assert form["short_description"].value() == "Printer jams"
    assert form["symptoms"].value() == inbound.text and form["channel"].value() == Channel.EMAIL
    assert form["caller_id"].value() == anna.pk and form["mail"].value() == inbound.pk

    data = {
        "caller": anna.full_name, "caller_id": anna.pk, "short_description": "Printer jams",
        "symptoms": inbound.text, "channel": Channel.EMAIL, "occurred_at": "-10m", "affected_users": 1,
        "impact": 3, "urgency": 2, "mail": inbound.pk,
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:record"), data)

    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    inbound.refresh_from_db()
    assert (inbound.state, inbound.incident, inbound.decided_by) == (InboundState.RECORDED, incident, operator)
    assert incident.reported_at == inbound.received_at
    entry = Activity.objects.get(incident=incident, kind=ActivityKind.RECORDED)
    assert [attachment.name for attachment in entry.attachments.all()] == ["jam.png"]
    assert [sent.to for sent in django_mail.outbox] == [[anna.email]]

    again = client.post(reverse("incidents:record"), data)
    assert again.status_code == 302 and again["Location"] == reverse("incidents:inbox")
    assert Incident.objects.count() == 1


def test_a_mail_dated_ahead_of_its_arrival_fills_in_when_it_arrived_not_a_time_in_the_future(client, operator, anna):
    raw = email.message_from_bytes(message(), policy=email.policy.default)
    raw.replace_header("Date", format_datetime(timezone.now() + datetime.timedelta(days=1)))  # the sender's clock
    inbound = receive(raw.as_bytes())
    client.force_login(operator)

    form = client.get(reverse("incidents:record"), {"mail": inbound.pk}).context["form"]

    assert inbound.sent_at > inbound.received_at
    assert form["occurred_at"].value() == timezone.localtime(inbound.received_at).replace(second=0, microsecond=0)


def test_an_unknown_sender_is_offered_to_be_added_from_the_mail(client, operator):
    inbound = new_mail(sender="Paul van Dijk <paul@example.net>")
    client.force_login(operator)

    page = client.get(reverse("incidents:record"), {"mail": inbound.pk})

    new_caller = page.context["new_caller"]
    assert (new_caller["first_name"].value(), new_caller["last_name"].value()) == ("Paul van", "Dijk")
    assert new_caller["email"].value() == "paul@example.net"
    assert "The sender is not in the CMDB: add them" in page.content.decode()


def test_adding_a_mail_to_an_open_incident_makes_it_a_call_there(client, operator, anna):
    incident = workflow.record(operator)
    inbound = new_mail(subject="Also my VPN", body="Same since 9:00.", files=[("vpn.png", "image/png", png())])
    client.force_login(operator)

    response = client.post(
        reverse("incidents:inbox_add", args=[inbound.pk]),
        {"add-incident": incident.number, "add-caller": anna.full_name, "add-caller_id": anna.pk,
         "add-affected_users": 1},
    )  # fmt: skip

    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    entry = Activity.objects.get(incident=incident, kind=ActivityKind.CALL_ADDED)
    assert "Same since 9:00." in entry.text and entry.data["caller_id"] == anna.pk
    assert [attachment.name for attachment in entry.attachments.all()] == ["vpn.png"]
    inbound.refresh_from_db()
    assert (inbound.state, inbound.incident, inbound.entry) == (InboundState.ADDED, incident, entry)


def test_adding_to_an_unknown_number_says_so_and_changes_nothing(client, operator, anna):
    inbound = new_mail()
    client.force_login(operator)

    page = client.post(reverse("incidents:inbox_add", args=[inbound.pk]),
                       {"add-incident": "INC9999999", "add-caller_id": anna.pk, "add-affected_users": 1})  # fmt: skip

    assert page.status_code == 400 and "There is no incident with this number." in page.content.decode()
    inbound.refresh_from_db()
    assert inbound.state == InboundState.INTAKE


def test_setting_a_mail_aside_needs_a_reason_and_keeps_who_decided(client, operator):
    inbound = new_mail(subject="Thanks for the quick help!")
    following = new_mail(subject="Second one")
    client.force_login(operator)
    url = reverse("incidents:inbox_dismiss", args=[inbound.pk])

    refused = client.post(url, {"dismiss-dismissal": Dismissal.OTHER})
    assert refused.status_code == 400 and "Say why this mail is not an incident." in refused.content.decode()

    response = client.post(url, {"dismiss-dismissal": Dismissal.THANKS})

    assert response["Location"] == reverse("incidents:inbox_mail", args=[following.pk])
    inbound.refresh_from_db()
    assert (inbound.state, inbound.dismissal, inbound.decided_by) == (InboundState.DISMISSED, "thanks", operator)
    twice = client.post(url, {"dismiss-dismissal": Dismissal.SPAM})
    assert "decided on" in twice.content.decode() and "not an incident" in twice.content.decode()


def test_setting_aside_without_a_reason_says_so_on_the_group_of_reasons(client, operator):
    inbound = new_mail(subject="Thanks for the quick help!")
    client.force_login(operator)

    refused = client.post(reverse("incidents:inbox_dismiss", args=[inbound.pk]), {"dismiss-note": ""})

    html = refused.content.decode()
    assert refused.status_code == 400
    # The radios are a group named by its question, described by the error (a label cannot name a group).
    assert '<fieldset class="field field-invalid" aria-describedby="id_dismiss-dismissal_error">' in html
    assert "<legend>Not an incident because" in html
    assert '<p class="field-error" id="id_dismiss-dismissal_error">Choose why this mail is not an incident.</p>' in html


def test_only_the_desk_decides(support_member):
    inbound = new_mail()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        intake.intake_dismiss(by=support_member, mail_id=inbound.pk, dismissal=Dismissal.SPAM)


def test_the_original_opens_as_plain_text_and_files_download_sealed(client, operator):
    inbound = new_mail(body="Hello", files=[("report.txt", "text/plain", b"<script>alert(1)</script>")])
    client.force_login(operator)

    original = client.get(reverse("incidents:inbox_original", args=[inbound.pk]))
    assert original["Content-Type"] == "text/plain; charset=utf-8" and b"Subject: Printer" in original.content
    assert original["Content-Security-Policy"] == "default-src 'none'; sandbox"

    file = client.get(reverse("incidents:inbox_file", args=[inbound.pk, 0]))
    assert file["Content-Type"] == "application/octet-stream" and file["Content-Disposition"].startswith("attachment")
    assert client.get(reverse("incidents:inbox_file", args=[inbound.pk, 5])).status_code == 404


def test_staff_read_the_original_of_a_reply_in_a_journal_they_can_read(client, operator, support_member):
    incident = workflow.record(operator)
    inbound = receive(message(sender=incident.caller.email, subject=f"[{incident.number}] more", body="Also this."))
    assert inbound.state == InboundState.REPLY
    client.force_login(support_member)

    assert client.get(reverse("incidents:inbox_original", args=[inbound.pk])).status_code == 200
