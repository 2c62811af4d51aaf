"""Reading the mail sources on Celery beat's clock (``INBOUND_POLL_SECONDS``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from incidents.inbound.imap import imap_poll_configured
from incidents.inbound.maildir import maildir_poll
from incidents.inbound.receive import mail_receive
from incidents.models import InboundSource
from servicedesk.celery import DATABASE_RETRIES

logger = logging.getLogger(__name__)


def inbound_read() -> int:
    """Read every configured source once (the Maildir, and the IMAP mailbox when there is one); how many
    messages were received."""
    received = maildir_poll(
        settings.INBOUND_MAILDIR,
        lambda raw, source_id: mail_receive(raw, source=InboundSource.MAILDIR, source_id=source_id),
        batch=settings.INBOUND_BATCH,
    )
    received += imap_poll_configured(
        lambda raw, source_id: mail_receive(raw, source=InboundSource.IMAP, source_id=source_id)
    )
    if received:
        logger.info("%s inbound messages received.", received)
    return received


@shared_task(name="incidents.inbound.inbound_poll", **DATABASE_RETRIES)
def inbound_poll() -> int:
    """Celery beat's poll of the mail sources (a poll still queued when the next is published is dropped)."""
    return inbound_read()
