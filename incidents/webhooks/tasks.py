"""The Celery side of webhooks: a delivery's task, published after commit and again for its retries, and the sweep
that publishes again what a lost task left pending. Registered through ``CELERY_IMPORTS`` under these names."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from incidents.models import WebhookDelivery, WebhookDeliveryState
from incidents.webhooks.sending import webhook_deliver
from servicedesk.celery import DATABASE_RETRIES, publish_row

logger = logging.getLogger(__name__)

# A longer wait is left to the sweep: a countdown held by a worker past the broker's visibility timeout runs twice.
LONGEST_COUNTDOWN = 600


def webhook_queue(delivery_id: int, *, countdown: float | None = None) -> bool:
    """Publish the sending of one delivery (or, with ``WEBHOOK_SEND_EAGERLY``, send it now).

    Never raises: a broker that cannot be reached is logged, and the sweep publishes the row again once it is
    due. Returns whether the task was published (or run).
    """
    return publish_row(
        webhook_send,
        delivery_id,
        eagerly=settings.WEBHOOK_SEND_EAGERLY,
        countdown=countdown,
        sweep="the webhooks sweep",
    )


@shared_task(name="incidents.webhooks.webhook_send", bind=True, acks_late=True, **DATABASE_RETRIES)
def webhook_send(self: Any, delivery_id: int) -> str | None:
    """POST one delivery; the state it was left in, or ``None`` when there was nothing to send.

    Idempotent (the row's claim). The database being away is retried by Celery; a refusing receiver is the row's
    retry: the task publishes itself again for the row's next attempt when that is near, else the sweep does.
    """
    delivery = webhook_deliver(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.state == WebhookDeliveryState.PENDING and not self.request.is_eager:
        wait = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0)
        if wait <= LONGEST_COUNTDOWN:
            webhook_queue(delivery.pk, countdown=wait)
    return delivery.state


@shared_task(name="incidents.webhooks.webhooks_sweep")
def webhooks_sweep() -> int:
    """Publish again every pending delivery whose next attempt has come (its task was lost, or its wait was long).

    Returns how many were published. Stops at the first publish that fails: the broker is down, and the next sweep
    tries again.
    """
    queued = 0
    for delivery_id in webhooks_due():
        if not webhook_queue(delivery_id):
            break
        queued += 1
    if queued:
        logger.info("The webhooks sweep queued %s deliveries.", queued)
    return queued


def webhooks_due(*, now: datetime.datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of the pending deliveries whose next attempt has come (the oldest first), through the due index."""
    now = now or timezone.now()
    limit = settings.WEBHOOK_SWEEP_BATCH if limit is None else limit
    return list(
        WebhookDelivery.objects.filter(state=WebhookDeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
