""" "Forgot your password?": a link by mail through the outbox, which sets a new password once; nothing says
whether an address has an account, and nobody is mailed without end."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from incidents.models import OutboxMessage
from servicedesk.logs import MASK, redact
from servicedesk.preferences import preferences_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+?)(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def user():
    return UserFactory(username="rita", email="rita@example.org", roles=["Service desk"])


def ask(client, address: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": address}, follow=True)


def test_a_link_is_mailed_through_the_outbox_and_sets_a_new_password_once(
    client, user, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://desk.example.org"
    assert "Forgot your password?" in client.get(reverse("login")).text

    page = ask(client, "RITA@example.org", django_capture_on_commit_callbacks)

    assert "Check your mail" in page.text
    row = OutboxMessage.objects.get(kind="password_reset")
    assert (row.recipient, row.incident) == ("rita@example.org", None)
    [sent] = mail.outbox
    site, path = LINK.search(sent.body).groups()
    assert site == "https://desk.example.org"  # the portal's address, not the asker's Host header
    assert "Your user name: rita" in sent.body

    form = client.get(path, follow=True)
    assert "Set a new password" in form.text
    new = {"new_password1": "Teal-harbour-91", "new_password2": "Teal-harbour-91"}
    done = client.post(form.redirect_chain[-1][0], new, follow=True)
    assert "Your password has been set: sign in with it." in done.text
    signed_in = client.post(reverse("login"), {"username": "rita", "password": "Teal-harbour-91"})
    assert signed_in.status_code == 302
    client.post(reverse("logout"))
    again = client.get(path, follow=True)
    assert "This link has been used already or has expired." in again.text


def test_the_mail_speaks_the_language_the_account_chose_whatever_the_browser_reads(
    client, user, django_capture_on_commit_callbacks
):
    preferences_save(by=user, theme="system", density="comfortable", language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": user.email}, HTTP_ACCEPT_LANGUAGE="en")

    [sent] = mail.outbox
    assert sent.subject == "Een nieuw wachtwoord instellen voor de servicedesk"
    assert "Set a new password" not in sent.body


def test_an_unknown_address_reads_the_same_and_mails_nobody(client, user, django_capture_on_commit_callbacks):
    page = ask(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert "Check your mail" in page.text
    assert not OutboxMessage.objects.filter(kind="password_reset").exists() and not mail.outbox


def test_the_password_rules_hold_for_a_new_password(client, user, django_capture_on_commit_callbacks):
    ask(client, user.email, django_capture_on_commit_callbacks)
    _site, path = LINK.search(mail.outbox[0].body).groups()
    form = client.get(path, follow=True)

    refused = client.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})

    assert refused.status_code == 200
    assert "This password is too common." in refused.text


def test_one_address_gets_at_most_three_mails_an_hour(client, user, django_capture_on_commit_callbacks):
    for _ in range(5):
        ask(client, user.email, django_capture_on_commit_callbacks)

    assert OutboxMessage.objects.filter(kind="password_reset").count() == 3


def test_a_reset_link_is_masked_in_the_logs():
    line = "GET /accounts/password/reset/MTI/cz3k1a-0f3a9c2e4b5d6e7f8a9b0c1d2e3f4a5b/ HTTP/1.1 302"

    assert redact(line) == f"GET /accounts/password/reset/MTI/{MASK}/ HTTP/1.1 302"
    assert redact("/accounts/password/reset/MTI/set-password/") == "/accounts/password/reset/MTI/set-password/"
