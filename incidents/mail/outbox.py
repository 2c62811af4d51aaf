"""The outbox: every e-mail is a row written in the transaction of the change that caused it, sent by Celery after
the commit, retried with backoff, swept when its task was lost, and never sent twice as far as the database
can tell (decision record 0003)."""

from __future__ import annotations

import datetime
import logging
from email.utils import parseaddr
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, OutboxMessage, OutboxState
from servicedesk.celery import DATABASE_RETRIES, publish_row

logger = logging.getLogger(__name__)

# A task taken from its queue a moment before its countdown ends on the worker's clock is still on time.
DUE_TOLERANCE = datetime.timedelta(seconds=2)
MAX_ERROR = 2000


# --- writing ------------------------------------------------------------------------------------------


def outbox_write(
    *,
    incident: Incident | None,
    kind: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    dedupe_key: str | None = None,
    queue: bool = True,
) -> OutboxMessage | None:
    """Write one e-mail to one recipient in the caller's transaction and queue its sending after commit (with
    ``queue=False`` the caller publishes it, with other work of the change: ``outbox_send_due``).

    Returns the row, or ``None`` when there is no recipient or a row with ``dedupe_key`` was written
    before (the same event to the same recipient is written once). Raises ``TransactionManagementError``
    outside a transaction: a notification belongs to the change that caused it.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("outbox_write runs inside the transaction of the change.")
    if not recipient:
        return None
    fields: dict[str, Any] = {
        "incident": incident,
        "kind": kind,
        "recipient": recipient,
        "subject": " ".join(subject.split())[:300],
        "body_text": body_text,
        "body_html": body_html,
        "dedupe_key": dedupe_key,
        "next_attempt_at": timezone.now() + _sweep_after(),
    }
    if dedupe_key is None:
        message = OutboxMessage.objects.create(**fields)
    else:
        if OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            # A savepoint: a concurrent writer of the same key must not break the caller's transaction.
            with transaction.atomic():
                message = OutboxMessage.objects.create(**fields)
        except IntegrityError:
            return None
    if queue:
        transaction.on_commit(partial(outbox_queue, message.pk))
    return message


def outbox_queue(message_id: int, *, countdown: float | None = None) -> bool:
    """Publish the sending of one message (or, with ``OUTBOX_SEND_EAGERLY``, send it now).

    Never raises: a broker that cannot be reached is logged, and the sweep publishes the row again once
    it is due. Returns whether the task was published (or run).
    """
    return publish_row(
        outbox_send, message_id, eagerly=settings.OUTBOX_SEND_EAGERLY, countdown=countdown, sweep="the outbox sweep"
    )


# --- sending ------------------------------------------------------------------------------------------


def outbox_deliver(*, message_id: int) -> OutboxMessage | None:
    """Send one pending, due message and record the outcome, under the row's lock, in one transaction.

    Returns the message as it was left (sent, pending with its next attempt, or failed), or ``None`` when
    there was nothing to do: the row is sent or failed already, another worker holds it, or its next
    attempt is not due yet. Never raises for a mail error: it is the row's ``last_error``.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=OutboxState.PENDING)
            .filter(Q(attempts=0) | Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE))
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            outbox_email(message).send()
        except Exception as error:  # any failure of the mail server or the network is the row's to keep
            message.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.state = OutboxState.FAILED
                message.next_attempt_at = None
                logger.error("Outbox message %s failed for good after %s attempts: %s", message.pk,
                             message.attempts, message.last_error)  # fmt: skip
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                logger.warning("Outbox message %s not sent (attempt %s): %s", message.pk, message.attempts,
                               message.last_error)  # fmt: skip
        else:
            message.state = OutboxState.SENT
            message.sent_at = timezone.now()
            message.next_attempt_at = None
        message.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return message


def outbox_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The e-mail of a row: text with an HTML alternative, a stable ``Message-ID`` (a reply's ``In-Reply-To``
    finds the row again), marked as automatic and with the desk's ``X-Loop``, so that no desk answers it."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[message.recipient],
        headers={
            "Message-ID": outbox_message_id(message),
            "Auto-Submitted": "auto-generated",
            "X-Loop": desk_address(),
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def desk_address() -> str:
    """The desk's own address (of ``DEFAULT_FROM_EMAIL``), lower case."""
    return (parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "servicedesk@localhost").lower()


def outbox_message_id(message: OutboxMessage) -> str:
    """``<outbox-<id>.<written, UTC>@<the desk's domain>>``: stable, and readable back (``outbox_replied_to``)."""
    domain = desk_address().rpartition("@")[2] or "localhost"
    return f"<outbox-{message.pk}.{message.created_at.astimezone(datetime.UTC):%Y%m%d%H%M%S}@{domain}>"


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from ``OUTBOX_RETRY_SECONDS``."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def outbox_due(*, now: datetime.datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of the pending messages whose next attempt has come (the oldest first), through the due index."""
    now = now or timezone.now()
    limit = settings.OUTBOX_SWEEP_BATCH if limit is None else limit
    return list(
        OutboxMessage.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- administrators -----------------------------------------------------------------------------------


@transaction.atomic
def outbox_resend(*, by: AbstractBaseUser, message_id: int) -> OutboxMessage:
    """Send a failed message again: back to pending with a fresh round of attempts, queued after commit.

    The last error stays on the row until the next attempt. Raises ``PermissionDenied`` for anyone who
    may not change outbox messages, ``ValidationError`` for a message that is not failed.
    """
    if not by.has_perm("incidents.change_outboxmessage"):
        raise PermissionDenied(_("Only administrators resend mail from the outbox."))
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    if message.state != OutboxState.FAILED:
        raise ValidationError(
            _("Only a failed message is sent again; this one is %(state)s.")
            % {"state": str(OutboxState(message.state).label).lower()},
            code="state",
        )
    message.state = OutboxState.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now() + _sweep_after()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    logger.info("Outbox message %s resent by %s.", message.pk, by.get_username())
    transaction.on_commit(partial(outbox_queue, message.pk))
    return message


# --- Celery -------------------------------------------------------------------------------------------


@shared_task(name="incidents.outbox.outbox_send", bind=True, acks_late=True, **DATABASE_RETRIES)
def outbox_send(self: Any, message_id: int) -> str | None:
    """Send one outbox message; the state it was left in, or ``None`` when there was nothing to send.

    Idempotent (the row's claim). The database being away is retried by Celery; a mail error is the
    row's retry: the task publishes itself again for the row's next attempt.
    """
    return outbox_send_due(message_id, eagerly=self.request.is_eager)


def outbox_send_due(message_id: int, *, eagerly: bool) -> str | None:
    """``outbox_send``'s work, for it and for a task that sends a change's mail with other work: send one due
    message; a mail refused is published again for the row's next attempt (run ``eagerly``, it is left to the
    sweep). The state it was left in, or ``None`` when there was nothing to send."""
    message = outbox_deliver(message_id=message_id)
    if message is None:
        return None
    if message.state == OutboxState.PENDING and not eagerly:
        delay = max((message.next_attempt_at - timezone.now()).total_seconds(), 0)
        outbox_queue(message.pk, countdown=delay)
    return message.state


@shared_task(name="incidents.outbox.outbox_sweep")
def outbox_sweep() -> int:
    """Publish again every pending message whose next attempt has come (its task was lost or failed).

    Returns how many were published. Stops at the first publish that fails: the broker is down, and the
    next sweep tries again.
    """
    queued = 0
    for message_id in outbox_due():
        if not outbox_queue(message_id):
            break
        queued += 1
    if queued:
        logger.info("The outbox sweep queued %s messages.", queued)
    return queued


def _sweep_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
