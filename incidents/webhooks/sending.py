"""Sending one delivery: claimed under its row's lock, POSTed, and its outcome recorded in the transaction of the
claim, so that a second worker, the sweep or a task delivered twice finds it sent or locked and sends nothing."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import WebhookDelivery, WebhookDeliveryState
from incidents.webhooks.posting import post
from incidents.webhooks.signing import body_of, signed_headers

logger = logging.getLogger(__name__)

# A task taken from its queue a moment before its countdown ends on the worker's clock is still on time.
DUE_TOLERANCE = datetime.timedelta(seconds=2)
MAX_ERROR = 2000
OUTCOME_FIELDS = ["state", "attempts", "next_attempt_at", "last_attempt_at", "url", "response_status",
                  "response_excerpt", "last_error", "sent_at"]  # fmt: skip


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one pending, due delivery and record the outcome, under the row's lock, in one transaction.

    Returns the delivery as it was left (sent, pending with its next attempt, or failed), or ``None`` when there
    was nothing to do: it is sent or failed already, another worker holds it, or its next attempt is not due.
    Never raises for the receiver or the network: the answer or the error is the row's.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            # of=("self",): an administrator editing the subscription meanwhile is not kept waiting.
            WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("subscription")
            .filter(pk=delivery_id, state=WebhookDeliveryState.PENDING)
            .filter(Q(attempts=0) | Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE))
            .first()
        )
        if delivery is None:
            return None
        _attempt(delivery, now=now)
        delivery.save(update_fields=OUTCOME_FIELDS)
    return delivery


def _attempt(delivery: WebhookDelivery, *, now: datetime.datetime) -> None:
    subscription = delivery.subscription
    if not subscription.active:
        delivery.state, delivery.next_attempt_at = WebhookDeliveryState.FAILED, None
        delivery.last_error = _("Not sent: the webhook was switched off.")
        return
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.url = now, subscription.url
    body = body_of(delivery.payload)
    headers = signed_headers(subscription.secret, event=delivery.event, delivery=str(delivery.uid),
                             timestamp=int(now.timestamp()), body=body)  # fmt: skip
    try:
        answer = post(subscription.url, body=body, headers=headers)
    except Exception as error:  # the network, the receiver, a refused address: the row's to keep, never the task's
        delivery.response_status, delivery.response_excerpt = None, ""
        _refused(delivery, f"{type(error).__name__}: {error}", now=now)
        return
    delivery.response_status, delivery.response_excerpt = answer.status, answer.excerpt
    if not answer.ok:
        _refused(delivery, _("The receiver answered %(status)s.") % {"status": answer.status}, now=now)
        return
    delivery.state, delivery.sent_at = WebhookDeliveryState.SENT, timezone.now()
    delivery.next_attempt_at, delivery.last_error = None, ""


def _refused(delivery: WebhookDelivery, error: str, *, now: datetime.datetime) -> None:
    delivery.last_error = error[:MAX_ERROR]
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = WebhookDeliveryState.FAILED, None
        logger.error("Webhook delivery %s failed for good after %s attempts: %s", delivery.uid, delivery.attempts,
                     delivery.last_error)  # fmt: skip
        return
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    logger.warning("Webhook delivery %s not accepted (attempt %s): %s", delivery.uid, delivery.attempts,
                   delivery.last_error)  # fmt: skip


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th refused attempt: doubling from ``WEBHOOK_RETRY_SECONDS``, at most
    ``WEBHOOK_RETRY_MAX_SECONDS``."""
    seconds = settings.WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))
