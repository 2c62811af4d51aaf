"""The status page behind the signed link in every mail: what an incident's people see of it without a login,
their reply, the two answers while it is resolved, and every way the link is refused."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.callers import timeline as callers_timeline
from incidents.callers.links import RESOLUTION_SALT
from incidents.callers.people import address_key, contact_key
from incidents.callers.status import STATUS_SALT, status_link_token
from incidents.choices import ActivityKind
from incidents.journal import notes
from incidents.lifecycle import holds, resolution
from incidents.mail.messages import desk_contact
from incidents.models import Incident, IncidentPerson, PersonReason
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, LocationFactory
from tests.factories import UserFactory
from tests.incidents.workflow import closed, investigating, record, resolved, send_serious_notices

pytestmark = pytest.mark.django_db

CALLER_EMAIL = "cleo.caller@example.org"
NOTE = "RADIUS logs show the certificate expired at 06:00."
UPDATE = "We found the cause and are renewing a certificate."
QUESTION = "Which VPN client version do you use?"


@pytest.fixture
def incident(operator, network, vpn):
    caller = ContactFactory(first_name="Cleo", last_name="Caller", email=CALLER_EMAIL)
    return investigating(operator, vpn, network, caller=caller)


def page_url(incident: Incident, key: str = "") -> str:
    return reverse("incidents:status_page", args=[status_link_token(incident, key or contact_key(incident.caller_id))])


def waiting(incident: Incident, by) -> Incident:
    return holds.incident_await_caller(by=by, incident_id=incident.pk, reason=QUESTION)


def colleague_of(incident: Incident, *, name: str = "Dora Desk-Neighbour", email: str = "dora@example.org") -> str:
    IncidentPerson.objects.create(incident=incident, name=name, email=email, reason=PersonReason.CALL_ADDED)
    return address_key(email)


def test_the_page_shows_the_number_the_state_and_what_was_written_for_the_caller_but_no_work_note(
    client, incident, support_member
):
    notes.incident_add_note(by=support_member, incident_id=incident.pk, text=NOTE)
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text=UPDATE)

    response = client.get(page_url(incident))

    page = response.text
    assert response.status_code == 200
    assert incident.number in page and "VPN does not connect" in page
    assert "Being worked on" in page
    assert UPDATE in page and "Service desk" in page
    assert NOTE not in page
    assert support_member.first_name not in page  # the desk speaks for its staff
    assert CALLER_EMAIL not in page  # the update's recipients are never shown
    assert response.headers["Cache-Control"].startswith("max-age=0")


def test_a_call_not_yet_looked_at_reads_recorded(client, operator):
    incident = record(operator)

    assert '<strong class="status-state">Recorded</strong>' in client.get(page_url(incident)).text


def test_journal_times_are_machine_readable_to_the_second(client, incident, support_member):
    notes.incident_send_update(by=support_member, incident_id=incident.pk, text=UPDATE)

    page = client.get(page_url(incident)).text

    times = re.findall(r'<time datetime="([^"]+)"', page)
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", moment) for moment in times)


def test_a_link_of_someone_no_longer_kept_informed_is_refused_with_410(client, incident):
    response = client.get(page_url(incident, address_key("gone@example.org")))

    assert response.status_code == 410
    assert "no longer keeps you informed" in response.text
    assert incident.number not in response.text


def test_a_tampered_link_is_refused_with_400(client, incident):
    token = status_link_token(incident, contact_key(incident.caller_id))

    response = client.get(reverse("incidents:status_page", args=[token[:-3] + "abc"]))

    assert response.status_code == 400
    assert "This link is not valid" in response.text


def test_an_expired_link_is_refused_with_410_and_takes_no_reply(client, incident, settings, monkeypatch):
    settings.INCIDENT_STATUS_LINK_DAYS = 90
    # The mail was signed 91 days ago: only the signature's clock is turned back.
    long_ago = int(time.time()) - 91 * 24 * 3600
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(long_ago))
    url = page_url(incident)
    monkeypatch.undo()

    for response in (client.get(url), client.post(url, {"text": "Still there?"})):
        assert response.status_code == 410
        assert "This link has expired" in response.text
    assert not incident.journal.filter(kind=ActivityKind.CALLER_REPLIED).exists()


def test_a_link_signed_for_another_purpose_is_not_a_status_link(client, incident):
    token = signing.dumps([incident.pk, contact_key(incident.caller_id)], salt="incidents.confirmation")

    assert client.get(reverse("incidents:status_page", args=[token])).status_code == 400
    assert signing.loads(status_link_token(incident, "contact:1"), salt=STATUS_SALT)[0] == incident.pk


def test_a_reply_is_journaled_as_from_the_person_and_resumes_a_waiting_incident(client, incident, support_member):
    waiting(incident, support_member)
    url = page_url(incident)
    before = client.get(url).text
    assert "Waiting for your answer" in before and QUESTION in before

    response = client.post(url, {"text": "Version 5.2, on Windows 11."})

    assert response.status_code == 302 and response.url == url
    entry = incident.journal.get(kind=ActivityKind.CALLER_REPLIED)
    assert (entry.author, entry.text, entry.visibility) == (None, "Version 5.2, on Windows 11.", "customer")
    assert (entry.data["via"], entry.data["from"]) == ("status_page", "Cleo Caller")
    incident.refresh_from_db()
    assert incident.awaiting_caller_since is None
    after = client.get(url).text
    assert f"Your reply was added to {incident.number}; the team has been told." in after
    assert "Reply on the status page" in after and "Cleo Caller" in after and "Version 5.2" in after
    assert "Being worked on" in after and QUESTION not in after.split('id="journal-heading"')[0]


def test_a_reply_with_a_file_keeps_the_file_on_the_entry(client, incident):
    log = SimpleUploadedFile("vpn.log", b"06:00 certificate expired\n", content_type="text/plain")

    response = client.post(page_url(incident), {"text": "Here is the log.", "files": [log]})

    assert response.status_code == 302
    entry = incident.journal.get(kind=ActivityKind.CALLER_REPLIED)
    assert [attachment.name for attachment in entry.attachments.all()] == ["vpn.log"]
    assert "vpn.log" in client.get(page_url(incident)).text


def test_another_person_kept_informed_replies_under_their_own_name(client, incident):
    key = colleague_of(incident)

    client.post(page_url(incident, key), {"text": "Same here on the second floor."})

    entry = incident.journal.get(kind=ActivityKind.CALLER_REPLIED)
    assert (entry.data["from"], entry.data["person"]) == ("Dora Desk-Neighbour", key)
    callers_page = client.get(page_url(incident)).text
    assert "Dora Desk-Neighbour" in callers_page and "Same here on the second floor." in callers_page
    assert "dora@example.org" not in callers_page


def test_someone_known_only_by_address_is_not_named_by_it_to_the_others(client, incident):
    key = colleague_of(incident, name="", email="anon@example.org")
    client.post(page_url(incident, key), {"text": "Me too."})

    own = client.get(page_url(incident, key)).text
    others = client.get(page_url(incident)).text

    assert "anon@example.org" in own
    assert "anon@example.org" not in others and "Someone kept informed" in others
    assert CALLER_EMAIL not in own


def test_an_empty_reply_is_refused_with_400_and_changes_nothing(client, incident, support_member):
    waiting(incident, support_member)

    response = client.post(page_url(incident), {"text": "   "})

    assert response.status_code == 400
    assert '<p class="field-error" id="id_text_error">Write your reply.</p>' in response.text
    assert 'aria-invalid="true" aria-describedby="id_text_error"' in response.text
    assert not incident.journal.filter(kind=ActivityKind.CALLER_REPLIED).exists()
    incident.refresh_from_db()
    assert incident.awaiting_caller_since is not None


def test_a_refused_file_is_named_next_to_the_files_and_nothing_is_kept(client, incident):
    script = SimpleUploadedFile("fix.exe", b"MZ\x90\x00", content_type="application/octet-stream")

    response = client.post(page_url(incident), {"text": "See the file.", "files": [script]})

    assert response.status_code == 400
    assert 'id="id_files_error"' in response.text and "fix.exe: files of this kind are not accepted" in response.text
    assert not incident.journal.filter(kind=ActivityKind.CALLER_REPLIED).exists()


def test_the_workaround_is_shown_while_the_fault_is_not_fixed(client, incident, support_member):
    notes.incident_provide_workaround(
        by=support_member, incident_id=incident.pk, workaround="Use the web VPN portal meanwhile."
    )

    page = client.get(page_url(incident)).text

    assert '<h2 id="workaround-heading">Workaround</h2>' in page
    assert "Use the web VPN portal meanwhile." in page


def test_a_resolved_incident_offers_both_answers_which_open_their_pages(client, operator, network, vpn, support_member):
    incident = resolved(operator, vpn, network, support_member, caller=ContactFactory(email=CALLER_EMAIL))
    url = page_url(incident)

    page = client.get(url).text

    assert "Resolved: does it work?" in page and "The RADIUS certificate was renewed" in page
    works, broken = (
        re.search(rf'href="(/incidents/{name}/[^"]+)"', page).group(1) for name in ("it-works", "still-broken")
    )
    assert "Glad it works again" in client.get(works).text
    assert "Sorry it is still broken" in client.get(broken).text
    assert "The resolution was mailed, with links" not in page  # a notice for the desk, not for the caller


def test_the_answers_offered_to_someone_kept_informed_are_their_own(client, operator, network, vpn, support_member):
    incident = resolved(operator, vpn, network, support_member)
    key = colleague_of(incident)

    page = client.get(page_url(incident, key)).text

    token = re.search(r'href="/incidents/it-works/([^/"]+)/"', page).group(1)
    assert signing.loads(token, salt=RESOLUTION_SALT)[-1] == key
    assert client.get(reverse("incidents:caller_it_works", args=[token])).status_code == 200


def test_once_confirmed_the_answers_are_no_longer_offered(client, operator, network, vpn, support_member):
    incident = resolved(operator, vpn, network, support_member)
    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=5)

    page = client.get(page_url(incident)).text

    assert "Resolved: the fix was confirmed" in page and "Fix confirmed" in page
    assert "/it-works/" not in page and "/still-broken/" not in page


def test_a_closed_incident_takes_no_reply_and_says_where_to_write(client, operator, network, vpn, support_member):
    incident = closed(operator, resolved(operator, vpn, network, support_member))
    url = page_url(incident)

    page = client.get(url).text
    response = client.post(url, {"text": "It broke again."})

    assert "Closed on" in page and "<textarea" not in page
    assert f'If the fault is back, write to the service desk at <a href="mailto:{desk_contact()}">' in page
    assert "/it-works/" not in page
    assert response.status_code == 400
    assert f"{incident.number} is closed: write to the service desk to report the fault again." in response.text
    assert not incident.journal.filter(kind=ActivityKind.CALLER_REPLIED).exists()


def test_the_message_to_everyone_affected_is_shown_but_not_its_recipients_nor_the_managers_notice(client, operator):
    site = LocationFactory()
    ContactFactory(email="colleague@example.org", workplace=site)
    UserFactory(username="boss", email="boss@example.org", roles=["Managers"])
    ci = ConfigurationItemFactory(name="vpn-gw-01", location=site)
    incident = record(operator, caller=ContactFactory(email=CALLER_EMAIL), impact=1, urgency=1, cis=[ci])
    send_serious_notices(operator, incident)
    users = incident.journal.get(kind=ActivityKind.NOTIFICATION, data__notice="users")
    managers = incident.journal.get(kind=ActivityKind.NOTIFICATION, data__notice="management")
    assert "colleague@example.org" in users.data["recipients"]

    page = client.get(page_url(incident)).text

    assert "Message to everyone affected" in page and users.text.splitlines()[0] in page
    assert managers.text.splitlines()[0] not in page
    assert "colleague@example.org" not in page and "boss@example.org" not in page and CALLER_EMAIL not in page


def test_the_journal_is_newest_first_a_page_at_a_time(client, incident, support_member, monkeypatch):
    monkeypatch.setattr(callers_timeline, "PAGE_SIZE", 2)
    for number in range(1, 4):
        notes.incident_send_update(by=support_member, incident_id=incident.pk, text=f"Update number {number}.")
    url = page_url(incident)

    first = client.get(url).text
    second = client.get(f"{url}?page=2").text

    assert first.index("Update number 3.") < first.index("Update number 2.") and "Update number 1." not in first
    assert '<a href="?page=2" rel="next">Older entries</a>' in first
    assert "Update number 1." in second and '<a href="?page=1" rel="prev">Newer entries</a>' in second
    assert client.get(f"{url}?page=x").status_code == 200


@pytest.mark.parametrize("updates", [2, 20])
def test_the_page_takes_the_same_queries_however_long_the_journal(
    client, incident, support_member, updates, django_assert_num_queries
):
    for number in range(updates):
        notes.incident_send_update(by=support_member, incident_id=incident.pk, text=f"Update {number}.")
    key = colleague_of(incident)
    client.post(page_url(incident, key), {"text": "With a file.", "files": [SimpleUploadedFile("a.txt", b"a\n")]})

    # The caller's link: the incident with its caller (1); the journal page and its files (2).
    with django_assert_num_queries(3):
        response = client.get(page_url(incident))
    assert response.text.count('<time datetime="') == updates + 1  # the updates and the reply
