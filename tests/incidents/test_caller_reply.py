"""The caller answers a question through the signed link of the "awaiting your answer" mail."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.urls import reverse

from incidents.callers.links import REPLY_SALT as SALT
from incidents.choices import ActivityKind
from incidents.lifecycle import holds
from incidents.models import Incident
from tests.cmdb.factories import ContactFactory
from tests.incidents.workflow import investigating

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(operator, support_member, network, vpn, django_capture_on_commit_callbacks):
    incident = investigating(operator, vpn, network, caller=ContactFactory(email="anna@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        holds.incident_await_caller(by=support_member, incident_id=incident.pk, reason="Which VPN client version?")
    return Incident.objects.get(pk=incident.pk)


def reply_link() -> str:
    [message] = [m for m in mail.outbox if "anna@example.org" in m.to and "Awaiting your answer" in m.subject]
    return urlsplit(re.search(r"https?://\S+/reply/\S+/", message.body).group(0)).path


def test_the_callers_answer_is_journaled_and_resumes_the_clock(client, waiting):
    link = reply_link()
    page = client.get(link).text
    assert "Which VPN client version?" in page

    response = client.post(link, {"answer": "Version 5.2, on Windows 11."})

    assert "We have your answer" in response.text
    waiting.refresh_from_db()
    assert waiting.awaiting_caller_since is None
    entry = waiting.journal.get(kind=ActivityKind.CALLER_REPLIED)
    assert (entry.author, entry.text, entry.visibility) == (None, "Version 5.2, on Windows 11.", "customer")


def test_a_link_used_once_or_tampered_with_changes_nothing(client, waiting):
    link = reply_link()
    client.post(link, {"answer": "Version 5.2."})

    again = client.post(link, {"answer": "Something else."})
    tampered = client.get(link.replace("/reply/", "/reply/x"))

    assert again.status_code == 410 and "no longer waits for this answer" in again.text
    assert tampered.status_code == 410 and "damaged" in tampered.text
    assert waiting.journal.filter(kind=ActivityKind.CALLER_REPLIED).count() == 1


def test_an_empty_answer_is_refused_and_the_incident_keeps_waiting(client, waiting):
    response = client.post(reply_link(), {"answer": "  "})

    assert response.status_code == 400
    waiting.refresh_from_db()
    assert waiting.awaiting_caller_since is not None


def test_an_expired_link_is_refused(client, waiting, settings):
    settings.INCIDENT_CONFIRMATION_DAYS = 0
    token = signing.dumps([waiting.pk, waiting.awaiting_caller_since.isoformat()], salt=SALT)

    response = client.get(reverse("incidents:caller_reply", args=[token]))

    assert response.status_code == 410 and "expired" in response.text
