"""Sending webhooks: a receiver that refuses is retried with backoff, a delivery is posted once when its task and the
sweep race, targets in private networks and plain http are refused when posting, and the guide's check of the
signature refuses what it should."""

from __future__ import annotations

import ipaddress
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from incidents.models import (
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookSubscription,
    address_allowed,
    validate_webhook_url,
)
from incidents.webhooks import deliveries, sending, signing, tasks
from servicedesk.celery import app
from tests.incidents.webhook_receiver import Receiver, documented_verify, due_now, recorded_with_delivery, subscribe
from tests.incidents.workflow import record

Pending = WebhookDeliveryState.PENDING
Sent = WebhookDeliveryState.SENT
Failed = WebhookDeliveryState.FAILED


pytestmark = pytest.mark.usefixtures("webhooks_to_localhost")


def wait_seconds(delivery: WebhookDelivery) -> float:
    return (delivery.next_attempt_at - timezone.now()).total_seconds()


# --- a receiver that refuses ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_delivery_is_retried_with_backoff_until_the_receiver_takes_it(
    operator, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SECONDS = 30
    with Receiver(statuses=(500, 503)) as receiver:
        delivery = recorded_with_delivery(operator, receiver.url(), django_capture_on_commit_callbacks)

        assert (delivery.state, delivery.attempts, delivery.response_status) == (Pending, 1, 500)
        assert delivery.response_excerpt == "Receiver overloaded, try later"
        assert delivery.last_error == "The receiver answered 500."
        assert 25 < wait_seconds(delivery) <= 30
        # Not due yet: the sweep leaves it alone, and a stray task does not shorten the wait.
        assert tasks.webhooks_due() == []
        assert tasks.webhook_send.apply(args=[delivery.pk]).get() is None

        due_now(delivery)
        assert tasks.webhooks_sweep.apply().get() == 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.response_status) == (Pending, 2, 503)
        assert 55 < wait_seconds(delivery) <= 60  # doubled

        due_now(delivery)
        assert tasks.webhooks_sweep.apply().get() == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status, delivery.last_error) == (Sent, 3, 200, "")
    assert delivery.next_attempt_at is None and delivery.sent_at is not None
    assert delivery.response_excerpt == '{"ok": true}'
    # The same delivery, and the same bytes, each time; each attempt signed afresh.
    assert {request.delivery for request in receiver.requests} == {str(delivery.uid)}
    assert len({request.body for request in receiver.requests}) == 1
    assert receiver.all_signed_with(delivery.subscription.secret)


@pytest.mark.django_db
def test_a_receiver_that_cannot_be_reached_is_the_rows_error(operator, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        url = receiver.url()  # nobody listens there once the receiver has stopped
    delivery = recorded_with_delivery(operator, url, django_capture_on_commit_callbacks)

    assert (delivery.state, delivery.attempts, delivery.response_status) == (Pending, 1, None)
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert delivery.url == url


@pytest.mark.django_db
def test_a_subscription_switched_off_before_the_send_is_sent_nothing(operator, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        subscription = subscribe(receiver.url())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record(operator)
        WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
        for callback in callbacks:
            callback()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (Failed, 0)
    assert delivery.last_error == "Not sent: the webhook was switched off."
    assert receiver.requests == []


# --- sent once ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_task_and_the_sweep_racing_post_a_delivery_once(operator, settings):
    settings.WEBHOOK_SWEEP_AFTER_SECONDS = 0  # the sweep takes the delivery at once, as if its task were lost
    settings.WEBHOOK_SEND_EAGERLY = False
    with Receiver(hold_request=1) as receiver:
        subscription = subscribe(receiver.url())
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(deliveries, "webhook_queue", lambda delivery_id, countdown=None: True)  # published, not run
            incident = record(operator)
        delivery = WebhookDelivery.objects.get(incident=incident)
        results: list[object] = []

        def the_task() -> None:
            try:
                results.append(tasks.webhook_send.apply(args=[delivery.pk]).get())
            finally:
                connections.close_all()

        worker = threading.Thread(target=the_task)
        worker.start()
        try:
            assert receiver.held.wait(10)
            # The row is locked by the task, mid-POST: the sweep's publish runs the task again, which skips it.
            settings.WEBHOOK_SEND_EAGERLY = True
            assert tasks.webhooks_due() == [delivery.pk]
            assert tasks.webhooks_sweep.apply().get() == 1
            assert len(receiver.requests) == 1
        finally:
            receiver.release.set()
            worker.join(10)
        assert results == [Sent]
        assert tasks.webhooks_sweep.apply().get() == 0
        assert tasks.webhook_send.apply(args=[delivery.pk]).get() is None

    assert receiver.processed == [str(delivery.uid)]
    assert len(receiver.requests) == 1
    assert receiver.all_signed_with(subscription.secret)


@pytest.mark.django_db
def test_a_delivery_is_posted_once_when_its_task_runs_twice(operator, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        delivery = recorded_with_delivery(operator, receiver.url(), django_capture_on_commit_callbacks)
        assert tasks.webhook_send.apply(args=[delivery.pk]).get() is None

    assert len(receiver.requests) == 1


# --- addresses, the signature, the schedule ---------------------------------------------------------------------


def test_the_desk_posts_to_public_addresses_and_to_networks_it_allows(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    def allowed(address: str) -> bool:
        return address_allowed(ipaddress.ip_address(address))

    assert allowed("93.184.215.14") and allowed("2606:4700::6810:84e5")
    assert allowed("10.20.1.5")
    unspecified = "0.0.0.0"  # noqa: S104 - connecting to it reaches the host itself
    for inside in ("10.1.2.3", "127.0.0.1", "169.254.169.254", "100.64.0.1", "192.168.1.1", "::1", "fd00::1",
                   "::ffff:127.0.0.1", unspecified, "224.0.0.1"):  # fmt: skip
        assert not allowed(inside), inside
    validate_webhook_url("https://hooks.example.org/desk")  # a name is checked when it is resolved


@pytest.mark.django_db
def test_a_name_resolving_into_a_private_network_is_refused_when_posting(
    operator, settings, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOWED_NETWORKS = []
        # Saved before the rule (or through a name): the send checks the address it connects to.
        delivery = recorded_with_delivery(operator, receiver.url().replace("127.0.0.1", "localhost"),
                                          django_capture_on_commit_callbacks)  # fmt: skip

    assert (delivery.state, delivery.attempts, delivery.response_status) == (Pending, 1, None)
    assert delivery.last_error.startswith("TargetRefused: localhost resolves to ")
    assert "127.0.0.1" in delivery.last_error and "WEBHOOK_ALLOWED_NETWORKS" in delivery.last_error
    assert receiver.requests == []


@pytest.mark.django_db
def test_http_is_refused_when_posting_unless_allowed(operator, settings, django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        settings.WEBHOOK_ALLOW_HTTP = False
        delivery = recorded_with_delivery(operator, receiver.url(), django_capture_on_commit_callbacks)

    assert delivery.last_error == "TargetRefused: The desk posts to https:// addresses only."
    assert receiver.requests == []


@pytest.mark.django_db
def test_an_https_receiver_is_checked_for_its_address_and_its_certificate(
    operator, settings, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        url = receiver.url().replace("http://", "https://")  # plain HTTP behind an https:// address: no TLS
        delivery = recorded_with_delivery(operator, url, django_capture_on_commit_callbacks)
        # The address is allowed: the connection is made and the handshake fails.
        assert delivery.last_error.startswith("SSLError: [SSL: WRONG_VERSION_NUMBER]"), delivery.last_error
        settings.WEBHOOK_ALLOWED_NETWORKS = []
        due_now(delivery)
        tasks.webhooks_sweep.apply()

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.last_error.startswith("TargetRefused: 127.0.0.1 resolves to 127.0.0.1")
    assert receiver.requests == []  # no request was ever sent


def test_the_guides_check_refuses_a_changed_body_another_secret_and_an_old_timestamp():
    verify = documented_verify()
    body = signing.body_of({"event": "incident.resolved", "incident": {"number": "INC0001234"}})
    now = int(time.time())
    header = signing.signature("s3cret", timestamp=now, body=body)

    assert verify("s3cret", header, body)
    assert not verify("s3cret", header, body.replace(b"INC0001234", b"INC0009999"))
    assert not verify("another", header, body)
    assert not verify("s3cret", signing.signature("s3cret", timestamp=now - 301, body=body), body)
    assert not verify("s3cret", "v1=" + header.split("v1=")[1], body)  # no timestamp
    assert not verify("s3cret", "garbage", body)


def test_the_retry_wait_doubles_up_to_its_ceiling(settings):
    settings.WEBHOOK_RETRY_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600

    waits = [sending.retry_delay(attempts).total_seconds() for attempts in range(1, 9)]

    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_beat_runs_the_webhooks_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["webhooks-sweep"]

    assert entry["schedule"] == 60
    assert entry["task"] == tasks.webhooks_sweep.name == "incidents.webhooks.webhooks_sweep"
    assert tasks.webhook_send.name in app.tasks and entry["task"] in app.tasks
    assert "incidents.webhooks.tasks" in settings.CELERY_IMPORTS
