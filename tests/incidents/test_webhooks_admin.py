"""Webhooks in the administration: administrators subscribe an address and read its generated secret, addresses
outside https or inside the desk's networks are refused, the log shows what failed and why, and a redelivery is a
new delivery that leaves the original as it was."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.models import WebhookDelivery, WebhookDeliveryState, WebhookSubscription
from incidents.webhooks import deliveries, tasks
from tests.incidents.webhook_receiver import Receiver, due_now, recorded_with_delivery, subscribe
from tests.incidents.workflow import record

Sent = WebhookDeliveryState.SENT
Failed = WebhookDeliveryState.FAILED


pytestmark = pytest.mark.usefixtures("webhooks_to_localhost")


@pytest.mark.django_db
def test_after_the_last_attempt_the_delivery_is_failed_and_visible_to_administrators(
    operator, administrator, client, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with Receiver(statuses=(500, 500, 500)) as receiver:
        delivery = recorded_with_delivery(operator, receiver.url(), django_capture_on_commit_callbacks)
        due_now(delivery)
        tasks.webhooks_sweep.apply()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (Failed, 2, None)
    assert tasks.webhooks_due(now=timezone.now() + datetime.timedelta(days=1)) == []
    assert len(receiver.requests) == 2

    client.force_login(administrator)
    page = client.get(reverse("admin:incidents_webhookdelivery_changelist"), {"state__exact": "failed"})
    assert page.status_code == 200
    assert "The receiver answered 500." in page.content.decode()
    assert delivery.incident.number in page.content.decode()
    subscriptions = client.get(reverse("admin:incidents_webhooksubscription_changelist")).content.decode()
    assert "Deliveries (1 failed)" in subscriptions
    detail = client.get(reverse("admin:incidents_webhookdelivery_change", args=[delivery.pk])).content.decode()
    assert "Receiver overloaded, try later" in detail
    assert "&quot;event&quot;: &quot;incident.recorded&quot;" in detail


@pytest.mark.django_db
def test_administrators_redeliver_as_a_new_delivery_and_the_original_stays(
    operator, administrator, client, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        original = recorded_with_delivery(operator, receiver.url(), django_capture_on_commit_callbacks)
        client.force_login(administrator)
        changelist = reverse("admin:incidents_webhookdelivery_changelist")

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(changelist, {"action": "redeliver", "_selected_action": [original.pk]}, follow=True)

    assert "1 delivery is sent again as a new one." in response.content.decode()
    copy = WebhookDelivery.objects.get(redelivery_of=original)
    before = original.sent_at
    original.refresh_from_db()
    assert (original.state, original.attempts, original.sent_at) == (Sent, 1, before)
    assert (copy.state, copy.attempts, copy.event) == (Sent, 1, original.event)
    assert copy.uid != original.uid
    assert copy.payload == {**original.payload, "delivery": str(copy.uid), "redelivery_of": str(original.uid)}
    assert [request.delivery for request in receiver.requests] == [str(original.uid), str(copy.uid)]
    assert receiver.requests[1].payload["redelivery_of"] == str(original.uid)
    assert receiver.all_signed_with(original.subscription.secret)


@pytest.mark.django_db
def test_pending_deliveries_and_switched_off_webhooks_are_not_redelivered(operator, administrator, client):
    incident = record(operator)
    subscription = subscribe("https://hooks.example.org/desk")
    pending = WebhookDelivery.objects.create(subscription=subscription, incident=incident, event="incident.recorded",
                                             payload={"event": "incident.recorded"})  # fmt: skip
    with pytest.raises(ValidationError, match="still being sent"):
        deliveries.webhook_redeliver(by=administrator, delivery_id=pending.pk)
    with pytest.raises(PermissionDenied):
        deliveries.webhook_redeliver(by=operator, delivery_id=pending.pk)

    WebhookDelivery.objects.filter(pk=pending.pk).update(state=Failed)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
    client.force_login(administrator)
    response = client.post(reverse("admin:incidents_webhookdelivery_changelist"),
                           {"action": "redeliver", "_selected_action": [pending.pk]}, follow=True)  # fmt: skip
    assert "The webhook Console is switched off: switch it on first." in response.content.decode()
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_administrators_subscribe_an_address_and_read_its_generated_secret(administrator, client):
    client.force_login(administrator)
    add = reverse("admin:incidents_webhooksubscription_add")

    response = client.post(add, {"name": "Chat", "url": "https://hooks.example.org/desk",
                                 "events": ["incident.resolved", "sla.breach"], "active": "on"})  # fmt: skip

    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get(name="Chat")
    assert subscription.events == ["incident.resolved", "sla.breach"]
    assert len(subscription.secret) == 64 and int(subscription.secret, 16)
    page = client.get(reverse("admin:incidents_webhooksubscription_change", args=[subscription.pk]))
    assert subscription.secret in page.content.decode()

    old = subscription.secret
    client.post(reverse("admin:incidents_webhooksubscription_changelist"),
                {"action": "renew_secret", "_selected_action": [subscription.pk]})  # fmt: skip
    subscription.refresh_from_db()
    assert subscription.secret != old and len(subscription.secret) == 64


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/desk", "Use an https:// address."),
        ("https://10.1.2.3/desk", "in a private or reserved network"),
        ("https://169.254.169.254/latest/meta-data", "in a private or reserved network"),
        ("https://localhost:8443/desk", "in a private or reserved network"),
        ("https://[::1]/desk", "in a private or reserved network"),
        ("https://bot:hunter2@hooks.example.org/desk", "Leave credentials out of the address"),
    ],
)
def test_an_address_outside_https_or_inside_the_desks_networks_is_refused(administrator, client, settings, url,
                                                                          message):  # fmt: skip
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    client.force_login(administrator)

    response = client.post(reverse("admin:incidents_webhooksubscription_add"),
                           {"name": "Inside", "url": url, "events": ["incident.resolved"]})  # fmt: skip

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_other_staff_are_not_administrators_of_webhooks(client, operator):
    client.force_login(operator)
    for name in ("admin:incidents_webhooksubscription_changelist", "admin:incidents_webhookdelivery_changelist"):
        assert client.get(reverse(name)).status_code in (302, 403)
