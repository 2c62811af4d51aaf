"""Writing deliveries: one row per event and subscription, in the transaction of the change (``journal_write``
hands every journal entry to ``webhooks_write``), published after commit; and the administrators' redelivery."""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Activity, WebhookDelivery, WebhookDeliveryState, WebhookSubscription
from incidents.webhooks.events import entry_events, event_payload
from incidents.webhooks.tasks import webhook_queue

logger = logging.getLogger(__name__)


def webhooks_write(
    entry: Activity, *, subscriptions: Sequence[WebhookSubscription] | None = None
) -> list[WebhookDelivery]:
    """A delivery for each event ``entry`` is and each active subscription to it, written in the caller's
    transaction and published after commit: a rolled-back change leaves no row and sends nothing.

    ``subscriptions`` are the active ones when the caller has them from the configuration it read in this
    transaction (``incidents.servicelevels.configuration``, decision record 0059); else they are read here. Costs
    no query for an entry that is no event (most are), nor when nobody subscribed and ``subscriptions`` were given,
    one when they were not. Raises
    ``TransactionManagementError`` outside a transaction: a delivery belongs to the change that caused it.
    """
    events = entry_events(entry)
    if not events:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("webhooks_write runs inside the transaction of the change.")
    if subscriptions is None:
        subscriptions = WebhookSubscription.objects.filter(active=True, events__overlap=events).order_by("pk")
    due = timezone.now() + _sweep_after()
    deliveries: list[WebhookDelivery] = []
    for event in events:
        for subscription in subscriptions:
            if event in subscription.events:
                uid = uuid.uuid4()
                payload = event_payload(event, entry, delivery=uid)
                deliveries.append(WebhookDelivery(uid=uid, subscription=subscription, incident=entry.incident,
                                                  event=event, payload=payload, next_attempt_at=due))  # fmt: skip
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        transaction.on_commit(partial(webhook_queue, delivery.pk))
    return deliveries


@transaction.atomic
def webhook_redeliver(*, by: AbstractBaseUser, delivery_id: int) -> WebhookDelivery:
    """Send a delivery that was sent or failed once more, as a new delivery: the same event and body under a new
    delivery id, naming the original (``redelivery_of``), to the subscription's address as it is now. The original
    row stays as it was: the log keeps what happened. Published after commit.

    Raises ``PermissionDenied`` for anyone who may not change deliveries, ``ValidationError`` for a delivery still
    pending or a subscription switched off.
    """
    if not by.has_perm("incidents.change_webhookdelivery"):
        raise PermissionDenied(_("Only administrators redeliver webhooks."))
    original = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if original.state == WebhookDeliveryState.PENDING:
        raise ValidationError(_("This delivery is still being sent; redeliver it once it is sent or failed."),
                              code="pending")  # fmt: skip
    if not original.subscription.active:
        raise ValidationError(
            _("The webhook %(name)s is switched off: switch it on first.") % {"name": original.subscription.name},
            code="inactive",
        )
    uid = uuid.uuid4()
    copy = WebhookDelivery.objects.create(
        uid=uid,
        subscription=original.subscription,
        incident_id=original.incident_id,
        event=original.event,
        payload={**original.payload, "delivery": str(uid), "redelivery_of": str(original.uid)},
        redelivery_of=original,
        next_attempt_at=timezone.now() + _sweep_after(),
    )
    logger.info("Webhook delivery %s redelivered as %s by %s.", original.uid, uid, by.get_username())
    transaction.on_commit(partial(webhook_queue, copy.pk))
    return copy


def _sweep_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_SWEEP_AFTER_SECONDS)
