"""The caller's answer to a resolution: the mail with two signed links, the "it works" and "still broken"
pages behind them, and every way a link can no longer be used."""

from __future__ import annotations

import datetime
import re
import time
from smtplib import SMTPException
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.test import Client
from django.utils import timezone

from cmdb.choices import SupportTier
from incidents.callers import links as callers_links
from incidents.choices import ActivityKind, ClosureReason, Impact, ResolutionCode, State, Urgency, Visibility
from incidents.lifecycle import classification, closure, escalation, resolution
from incidents.models import Activity, Incident, StaffNotification
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.factories import RootCauseFactory
from tests.incidents.workflow import closed
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db

NOTES = "We renewed the RADIUS certificate; the VPN accepts your password again."
LINK = re.compile(r"https?://\S+/incidents/(?:it-works|still-broken)/\S+/")


@pytest.fixture
def network(support_member):
    return SupportGroupFactory(
        name="Network operations", tier=SupportTier.SECOND_LINE, email="network@example.org",
        members=[support_member, UserFactory(username="nina", email="nina@example.org", roles=["Support"])],
    )  # fmt: skip


@pytest.fixture
def vpn():
    return CategoryFactory(name="VPN")


def record(operator, **overrides) -> Incident:
    if "caller" not in overrides:
        overrides["caller"] = ContactFactory(first_name="Cleo", email="cleo@example.org")
    values = {
        "by": operator,
        "short_description": "VPN does not connect",
        "occurred_at": timezone.now() - datetime.timedelta(minutes=20),
        "impact": Impact.LOW,
        "urgency": Urgency.MEDIUM,
    }
    return calls.incident_record(**{**values, **overrides})


def investigating(operator, category, group, **overrides) -> Incident:
    incident = record(operator, **overrides)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=category, impact=3, urgency=2)
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")
    return incident


def resolve(member, incident, notes=NOTES) -> list[Incident]:
    return resolution.incident_resolve(
        by=member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX, resolution_notes=notes
    )


@pytest.fixture
def resolved(operator, support_member, network, vpn, django_capture_on_commit_callbacks):
    """An incident resolved by its group, and the mail its caller got."""
    incident = investigating(operator, vpn, network)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(support_member, incident)
    incident.refresh_from_db()
    return incident


def links(message) -> dict[str, str]:
    """The paths of the two links in a mail's text, by answer."""
    found = {urlsplit(url).path for url in LINK.findall(message.body)}
    return {
        "works": next(path for path in found if "/it-works/" in path),
        "broken": next(path for path in found if "/still-broken/" in path),
    }


def mail_to(address: str):
    [message] = [message for message in mail.outbox if address in message.to]
    return message


def confirmations(incident) -> list[Activity]:
    return list(incident.journal.filter(kind=ActivityKind.CONFIRMED))


# --- the mail -----------------------------------------------------------------------------------------


def test_resolving_mails_each_caller_their_own_resolution_with_both_links_after_commit(
    client, operator, support_member, network, vpn, django_capture_on_commit_callbacks
):
    master = investigating(operator, vpn, network)
    subordinate = record(operator, parent=master, caller=ContactFactory(first_name="Sid", email="sid@example.org"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resolve(support_member, master)

    assert len(callbacks) == 2
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "cleo@example.org",
        "sid@example.org",
    ]
    for incident, address, name in ((master, "cleo@example.org", "Cleo"), (subordinate, "sid@example.org", "Sid")):
        incident.refresh_from_db()
        message = mail_to(address)
        assert message.subject == f"[{incident.number}] Resolved: VPN does not connect"
        assert message.body.startswith(f"Dear {name},")
        assert NOTES in message.body
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html" and NOTES in html
        paths = links(message)
        assert client.get(paths["works"]).status_code == 200
        assert client.get(paths["broken"]).status_code == 200
        entry = incident.journal.get(kind=ActivityKind.NOTIFICATION)
        assert entry.visibility == Visibility.CUSTOMER
        assert entry.data == {"notice": "confirmation_request", "recipients": [address], "subject": message.subject}
        assert entry.incident_version is None  # mail, not a change of the incident
        assert "/it-works/" not in entry.text  # the links are the caller's credentials, never journaled
    # Each link is about its own incident.
    assert links(mail_to("cleo@example.org"))["works"] != links(mail_to("sid@example.org"))["works"]


def test_a_first_line_resolution_mails_the_caller_too(operator, vpn, django_capture_on_commit_callbacks):
    incident = record(operator)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=3, urgency=2)

    with django_capture_on_commit_callbacks(execute=True):
        resolution.incident_resolve_at_first_line(
            by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND, resolution_notes=NOTES
        )

    [message] = mail.outbox
    assert message.to == ["cleo@example.org"]
    assert message.subject.startswith(f"[{incident.number}] Resolved:")
    assert set(links(message)) == {"works", "broken"}


def test_a_caller_without_an_email_address_gets_no_mail_and_the_desk_a_work_note(
    operator, support_member, network, vpn, django_capture_on_commit_callbacks
):
    incident = investigating(operator, vpn, network, caller=ContactFactory(first_name="Pat", last_name="Noe", email=""))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resolve(support_member, incident)

    assert callbacks == [] and mail.outbox == []
    entry = incident.journal.get(kind=ActivityKind.NOTIFICATION)
    assert entry.visibility == Visibility.INTERNAL
    assert entry.data["recipients"] == []
    assert entry.text == "No confirmation could be asked: Pat Noe has no e-mail address. Ask them by phone."


def test_nothing_is_mailed_or_journaled_for_a_resolution_that_rolls_back(
    operator, support_member, network, vpn, django_capture_on_commit_callbacks
):
    incident = investigating(operator, vpn, network)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            resolve(support_member, incident)
            raise RuntimeError("the request failed after the resolution")
        with pytest.raises(ValidationError):
            resolve(support_member, incident, notes="")

    assert callbacks == []
    assert mail.outbox == []
    assert not incident.journal.filter(kind=ActivityKind.NOTIFICATION).exists()
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


def test_a_mail_server_failing_after_commit_leaves_the_resolution_done_and_is_logged(
    operator, support_member, network, vpn, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    incident = investigating(operator, vpn, network)

    def refuse(self, fail_silently=False):
        raise SMTPException("451 try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(support_member, incident)

    assert Incident.objects.get(pk=incident.pk).state == State.RESOLVED
    assert "451 try again later" in caplog.text


# --- "it works" ---------------------------------------------------------------------------------------


def test_the_it_works_page_needs_no_login_shows_the_resolution_and_changes_nothing(client, resolved):
    response = client.get(links(mail.outbox[0])["works"])

    assert response.status_code == 200
    page = response.content.decode()
    assert resolved.number in page and "RADIUS certificate" in page
    assert 'name="csrfmiddlewaretoken"' in page
    for value in range(1, 6):
        assert f'type="radio" name="satisfaction" value="{value}"' in page
    assert '<label for="id_satisfaction_0">' in page and "<legend>" in page
    # No staff navigation, sign-in menu or staff links for the caller.
    assert "main-nav" not in page and "Sign out" not in page and 'href="/incidents/"' not in page
    assert 'href="mailto:servicedesk@localhost"' in page
    assert Incident.objects.get(pk=resolved.pk).version == resolved.version
    assert confirmations(resolved) == []


def test_the_callers_pages_write_the_time_as_every_other_page_does(client, resolved):
    december = datetime.datetime(2026, 12, 5, 14, 5, tzinfo=timezone.get_current_timezone())
    Incident.objects.filter(pk=resolved.pk).update(resolved_at=december)  # a month whose name is long
    resolved.refresh_from_db()

    for answer in (callers_links.Answer.WORKS, callers_links.Answer.BROKEN):
        page = client.get(urlsplit(callers_links.caller_link_url(resolved, answer)).path).text
        assert "<dd>5 Dec 2026, 14:05</dd>" in page, answer


@pytest.mark.parametrize("answer", ["works", "broken"])
def test_a_callers_page_takes_one_query(client, resolved, answer, django_assert_num_queries):
    path = links(mail.outbox[0])[answer]

    with django_assert_num_queries(1):
        assert client.get(path).status_code == 200


def test_it_works_records_the_rating_and_comment_and_journals_it_for_the_caller(client, resolved):
    response = client.post(links(mail.outbox[0])["works"], {"satisfaction": "4", "comment": " Quick, thanks! "})

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    incident = Incident.objects.get(pk=resolved.pk)
    assert incident.state == State.RESOLVED  # the desk (or the automatic closure) closes it
    assert (incident.satisfaction, incident.satisfaction_comment) == (4, "Quick, thanks!")
    assert incident.confirmed_at is not None
    assert incident.version == resolved.version + 1
    [entry] = confirmations(incident)
    assert (entry.author, entry.visibility, entry.text) == (None, Visibility.CUSTOMER, "Quick, thanks!")
    assert entry.data["via"] == "caller_link"
    assert entry.data["satisfaction"] == [None, 4]
    assert entry.data["resolved_at"] == resolved.resolved_at.isoformat()


@pytest.mark.parametrize("rating", ["", "0", "6", "five"])
def test_a_missing_or_bad_rating_is_refused_with_a_message_and_nothing_is_saved(client, resolved, rating):
    response = client.post(links(mail.outbox[0])["works"], {"satisfaction": rating, "comment": "Fine."})

    assert response.status_code == 400
    assert "Choose how satisfied you are, from 1 (very dissatisfied) to 5" in response.content.decode()
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.confirmed_at, incident.satisfaction, incident.version) == (None, None, resolved.version)
    assert confirmations(incident) == []


def test_the_service_refuses_a_rating_off_the_scale(resolved):
    with pytest.raises(ValidationError) as error:
        resolution.incident_confirm(incident_id=resolved.pk, resolved_at=resolved.resolved_at, satisfaction=7)

    assert set(error.value.message_dict) == {"satisfaction"}
    assert Incident.objects.get(pk=resolved.pk).confirmed_at is None


def test_the_desk_closing_after_the_caller_confirmed_keeps_the_callers_rating_and_needs_no_reason(
    operator, client, resolved, vpn
):
    client.post(links(mail.outbox[0])["works"], {"satisfaction": "5", "comment": "Great."})

    closure.incident_close(by=operator, incident_id=resolved.pk, root_cause=RootCauseFactory(), root_cause_category=vpn)

    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.state, incident.satisfaction, incident.satisfaction_comment) == (State.CLOSED, 5, "Great.")
    assert (incident.closure_reason, incident.satisfaction_by_phone) == ("", None)


def test_the_desk_cannot_overwrite_the_callers_own_rating(operator, client, resolved, vpn):
    client.post(links(mail.outbox[0])["works"], {"satisfaction": "5", "comment": "Great."})

    with pytest.raises(ValidationError) as refused:
        closure.incident_close(
            by=operator, incident_id=resolved.pk, root_cause=RootCauseFactory(), root_cause_category=vpn,
            satisfaction=2, satisfaction_comment="Angry.",
        )  # fmt: skip

    assert "their rating stands" in refused.value.message_dict["satisfaction"][0]
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.state, incident.satisfaction, incident.satisfaction_comment) == (State.RESOLVED, 5, "Great.")


def test_a_rating_the_desk_records_for_a_silent_caller_is_kept_apart_as_given_by_phone(operator, resolved, vpn):
    closure.incident_close(
        by=operator, incident_id=resolved.pk, root_cause=RootCauseFactory(), root_cause_category=vpn,
        reason=ClosureReason.CONFIRMED_BY_PHONE, satisfaction=4, satisfaction_comment="Fine now.",
    )  # fmt: skip

    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.satisfaction, incident.satisfaction_by_phone) == (None, 4)
    assert incident.satisfaction_comment == "Fine now."


def test_the_automatic_closure_keeps_the_callers_rating(client, resolved):
    client.post(links(mail.outbox[0])["works"], {"satisfaction": "3"})
    Incident.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=30))

    closure.incident_close_automatically(incident_id=resolved.pk)

    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.state, incident.closed_automatically, incident.satisfaction) == (State.CLOSED, True, 3)


# --- "still broken" -----------------------------------------------------------------------------------


def test_still_broken_reopens_for_the_same_group_and_mails_the_group_after_commit(
    client, resolved, network, support_member, django_capture_on_commit_callbacks
):
    broken = links(mail.outbox.pop())["broken"]
    page = client.get(broken)
    assert page.status_code == 200 and "What is still wrong?" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(broken, {"reason": "Still fails from home."})

    assert response.status_code == 200
    assert "We have reopened" in response.content.decode()
    assert len(callbacks) == 3  # one outbox message per recipient
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.state, incident.assigned_group) == (State.INVESTIGATING, network)
    reopening = incident.journal.filter(kind=ActivityKind.STATE_CHANGED).order_by("id").last()
    assert (reopening.author, reopening.data["via"], reopening.text) == (None, "caller_link", "Still fails from home.")
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted(["network@example.org", "nina@example.org", support_member.email])
    for message in mail.outbox:
        assert message.subject == f"[{incident.number}] Reopened by the caller: VPN does not connect"
        assert "Still fails from home." in message.body
        assert f"http://localhost:8000/incidents/{incident.number}/" in message.body
    notice = incident.journal.filter(kind=ActivityKind.NOTIFICATION).order_by("id").last()
    assert notice.data["notice"] == "reopened_by_caller"
    assert sorted(notice.data["recipients"]) == to
    assert notice.visibility == Visibility.INTERNAL


def test_a_group_without_addresses_still_hears_of_the_reopening_from_the_bell(client, resolved, network):
    broken = links(mail.outbox.pop())["broken"]
    network.email = ""
    network.save()
    network.members.update(email="")

    client.post(broken, {"reason": "Still fails from home."})

    incident = Incident.objects.get(pk=resolved.pk)
    bells = StaffNotification.objects.filter(incident=incident, kind="reopened_by_caller")
    assert {bell.user for bell in bells} == {*network.members.all(), incident.desk_owner}
    notice = incident.journal.filter(kind=ActivityKind.NOTIFICATION).order_by("id").last()
    assert notice.text.startswith("Nobody could be told that the caller reopened it")
    assert mail.outbox == []


def test_still_broken_needs_a_reason_and_changes_nothing_without_one(client, resolved):
    response = client.post(links(mail.outbox[0])["broken"], {"reason": "   "})

    assert response.status_code == 400
    assert "Tell us what is still wrong, so that we know where to look." in response.content.decode()
    assert Incident.objects.get(pk=resolved.pk).state == State.RESOLVED


def test_a_first_line_fix_reopened_by_the_caller_is_told_to_the_desk_owner(
    client, operator, vpn, django_capture_on_commit_callbacks
):
    incident = record(operator)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=3, urgency=2)
    with django_capture_on_commit_callbacks(execute=True):
        resolution.incident_resolve_at_first_line(
            by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND, resolution_notes=NOTES
        )
    broken = links(mail.outbox.pop())["broken"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(broken, {"reason": "Same error."})

    [message] = mail.outbox
    assert message.to == [operator.email]
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


# --- links that can no longer be used -----------------------------------------------------------------


def links_of(incident) -> dict[str, str]:
    """The links of the latest resolution mail about ``incident``."""
    [message, *_] = [message for message in reversed(mail.outbox) if message.subject.startswith(f"[{incident.number}]")]
    return links(message)


def test_a_link_used_once_is_refused_on_a_second_post_and_a_second_get_and_changes_nothing(client, resolved):
    paths = links_of(resolved)
    client.post(paths["works"], {"satisfaction": "4"})
    confirmed = Incident.objects.get(pk=resolved.pk)

    again = client.post(paths["works"], {"satisfaction": "1", "comment": "Changed my mind."})
    shown = client.get(paths["works"])
    other = client.post(paths["broken"], {"reason": "Broken after all."})

    for response in (again, shown, other):
        assert response.status_code == 410
        assert "You already confirmed on" in response.content.decode()
        assert f"that the fix of {resolved.number} works" in response.content.decode()
    incident = Incident.objects.get(pk=resolved.pk)
    assert (incident.state, incident.satisfaction, incident.version) == (State.RESOLVED, 4, confirmed.version)
    assert len(confirmations(incident)) == 1


def test_both_links_are_refused_once_the_caller_has_reopened(client, resolved):
    paths = links_of(resolved)
    client.post(paths["broken"], {"reason": "Still broken."})
    reopened = Incident.objects.get(pk=resolved.pk)

    for response in (client.get(paths["broken"]), client.post(paths["works"], {"satisfaction": "5"})):
        assert response.status_code == 410
        assert "was reopened and is being worked on again" in response.content.decode()
    assert Incident.objects.get(pk=resolved.pk).version == reopened.version


def test_a_tampered_link_is_refused_with_400_and_changes_nothing(client, resolved):
    works = links_of(resolved)["works"]
    token = works.split("/")[-2]
    tampered = works.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    # A genuine "it works" token used for the other answer is no answer at all.
    swapped = links_of(resolved)["broken"].replace(links_of(resolved)["broken"].split("/")[-2], token)

    for response in (client.get(tampered), client.post(tampered, {"satisfaction": "5"}), client.get(swapped)):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert client.post(swapped, {"reason": "x"}).status_code == 400
    assert Incident.objects.get(pk=resolved.pk).version == resolved.version


def test_an_expired_link_is_refused_with_410_and_changes_nothing(
    client, operator, support_member, network, vpn, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.INCIDENT_CONFIRMATION_DAYS = 14
    incident = investigating(operator, vpn, network)
    # The mail was signed 15 days ago: only the signature's clock is turned back.
    fifteen_days_ago = int(time.time()) - 15 * 24 * 3600
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(fifteen_days_ago))
    with django_capture_on_commit_callbacks(execute=True):
        resolve(support_member, incident)
    monkeypatch.undo()
    paths = links(mail.outbox[0])

    for response in (client.get(paths["works"]), client.post(paths["works"], {"satisfaction": "5"})):
        assert response.status_code == 410
        assert f"This link about {incident.number} has expired" in response.content.decode()
    assert client.post(paths["broken"], {"reason": "x"}).status_code == 410
    assert Incident.objects.get(pk=incident.pk).state == State.RESOLVED
    assert Incident.objects.get(pk=incident.pk).confirmed_at is None


def test_a_link_from_an_earlier_resolution_is_refused_after_a_reopening_and_a_new_resolution(
    client, operator, resolved, support_member, django_capture_on_commit_callbacks
):
    first = links_of(resolved)
    resolution.incident_reopen(by=operator, incident_id=resolved.pk, reason="The caller phoned: still broken.")
    with django_capture_on_commit_callbacks(execute=True):
        resolve(support_member, resolved, notes="We replaced the VPN gateway.")
    second = links_of(resolved)
    assert second != first

    for response in (client.get(first["works"]), client.post(first["broken"], {"reason": "x"})):
        assert response.status_code == 410
        assert f"This link is about an earlier resolution of {resolved.number}" in response.content.decode()
    assert Incident.objects.get(pk=resolved.pk).state == State.RESOLVED

    assert client.post(second["works"], {"satisfaction": "5"}).status_code == 200
    assert Incident.objects.get(pk=resolved.pk).satisfaction == 5


def test_a_confirmation_from_an_earlier_resolution_does_not_spend_the_new_links(
    client, operator, resolved, support_member, django_capture_on_commit_callbacks
):
    client.post(links_of(resolved)["works"], {"satisfaction": "4"})
    resolution.incident_reopen(by=operator, incident_id=resolved.pk, reason="It broke again next day.")
    with django_capture_on_commit_callbacks(execute=True):
        resolve(support_member, resolved, notes="Replaced the gateway.")

    assert client.get(links_of(resolved)["works"]).status_code == 200


def test_links_to_a_closed_incident_are_refused(client, operator, resolved, vpn):
    closed(operator, resolved, root_cause_category=vpn)

    response = client.get(links_of(resolved)["broken"])

    assert response.status_code == 410
    assert f"{resolved.number} was closed on" in response.content.decode()


def test_the_service_refuses_a_confirmation_about_another_resolution(resolved):
    with pytest.raises(callers_links.CallerLinkRefused) as error:
        resolution.incident_confirm(
            incident_id=resolved.pk, resolved_at=resolved.resolved_at - datetime.timedelta(days=1), satisfaction=5
        )

    assert error.value.refusal == callers_links.Refusal.EARLIER_RESOLUTION
    assert Incident.objects.get(pk=resolved.pk).confirmed_at is None


def test_a_link_posted_without_the_csrf_token_is_refused(resolved):
    response = Client(enforce_csrf_checks=True).post(links_of(resolved)["works"], {"satisfaction": "5"})

    assert response.status_code == 403
    assert Incident.objects.get(pk=resolved.pk).confirmed_at is None


def test_the_thanks_page_after_it_works_says_the_fix_was_noted_not_that_it_was_reopened(client, resolved):
    page = client.post(links(mail.outbox[0])["works"], {"satisfaction": "5"}).content.decode()

    assert f"We have noted that the fix of {resolved.number} works" in page
    assert "reopened" not in page


def test_the_thanks_page_after_still_broken_says_it_was_reopened(client, resolved):
    page = client.post(links(mail.outbox[0])["broken"], {"reason": "Still cannot print."}).content.decode()

    assert f"We have reopened {resolved.number}" in page
    assert "noted that the fix" not in page
