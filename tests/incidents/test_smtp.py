"""What the portal's mail looks like on the wire: the outbox sending through Django's SMTP backend, configured
from an ``EMAIL_URL``, to a real SMTP server (aiosmtpd) on localhost."""

from __future__ import annotations

import datetime
import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.core import mail
from django.utils import timezone

from incidents.mail.outbox import desk_address, outbox_message_id
from incidents.models import OutboxMessage, OutboxState
from servicedesk.env import mailers
from tests.cmdb.factories import ContactFactory
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db


class Mailbox:
    """An aiosmtpd handler: keeps every envelope it accepts; answers 550 for the recipients in ``refuse``."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1, and ``EMAIL_URL`` pointing at it (through the settings' own parser)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = mailers(f"smtp://127.0.0.1:{port}?timeout=5")
    try:
        yield mailbox
    finally:
        controller.stop()


def parsed(envelope: Envelope) -> EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=default)


def test_a_callers_mail_arrives_over_smtp_as_the_desks_automatic_mail(
    operator, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "IT Service Desk <ServiceDesk@example.org>"
    caller = ContactFactory(first_name="Cleo", email="cleo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, caller=caller)

    row = OutboxMessage.objects.get(incident=incident, recipient="cleo@example.org")
    assert (row.state, row.attempts, row.last_error) == (OutboxState.SENT, 1, "")
    assert mail.outbox == []  # it went over the wire, not to the test backend
    [envelope] = smtp_server.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("ServiceDesk@example.org", ["cleo@example.org"])
    message = parsed(envelope)
    assert (message["From"], message["To"]) == ("IT Service Desk <ServiceDesk@example.org>", "cleo@example.org")
    assert message["Subject"] == f"[{incident.number}] Recorded: VPN does not connect"
    assert message["Message-ID"] == outbox_message_id(row)
    assert message["Message-ID"].endswith("@example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Loop"] == desk_address() == "servicedesk@example.org"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert message.get_content_type() == "multipart/alternative"
    assert text.get_content().startswith("Dear Cleo,") and incident.number in text.get_content()
    assert incident.number in html.get_content() and "<" in html.get_content()


def test_a_recipient_the_server_refuses_stays_pending_with_the_error_and_a_next_attempt(
    operator, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_RETRY_SECONDS = 60
    smtp_server.refuse.add("gone@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, caller=ContactFactory(email="gone@example.org"))

    row = OutboxMessage.objects.get(incident=incident, recipient="gone@example.org")
    assert (row.state, row.attempts, row.sent_at) == (OutboxState.PENDING, 1, None)
    assert "SMTPRecipientsRefused" in row.last_error and "550" in row.last_error
    assert "User unknown" in row.last_error
    wait = row.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=55) < wait <= datetime.timedelta(seconds=60)
    assert smtp_server.envelopes == []
