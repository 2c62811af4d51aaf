"""Webhooks through the broker of the settings (Redis in CI) and real Celery workers: a worker process killed in the
middle of a delivery and started again leaves every delivery sent, and processed once by a receiver that ignores the
ids it has seen; a worker retries a refusing receiver by itself, with backoff."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import Exchange, Queue

from incidents.choices import WebhookEvent
from incidents.models import WebhookDelivery, WebhookDeliveryState, WebhookSubscription
from incidents.webhooks import tasks
from servicedesk.celery import app
from tests.celery_worker import own_queue_name, real_worker
from tests.incidents.webhook_receiver import Receiver
from tests.incidents.workflow import record

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("webhooks_to_localhost")]

ROOT = Path(django_settings.BASE_DIR)
# A worker process of the project's Celery app taking only the test's queue, and publishing there too (its retries,
# the sweep's sends): what `celery -A servicedesk worker` runs, with the queue of its own.
WORKER = """
import sys
from servicedesk.celery import app
app.conf.task_default_queue = sys.argv[1]
app.worker_main(["worker", "--pool=solo", "--queues", sys.argv[1], "--loglevel=INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"])
"""


def database_url() -> str:
    """The test database, for a process of its own."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def worker_process(queue: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOW_HTTP": "true",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "WEBHOOK_SWEEP_AFTER_SECONDS": "0",
        "WEBHOOK_SEND_EAGERLY": "false",
    }
    with log.open("ab") as output:
        process = subprocess.Popen([sys.executable, "-c", WORKER, queue], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # a warm shutdown
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def remove_queue(queue: str) -> None:
    with app.connection_for_write() as broker:
        declared = Queue(queue, Exchange(queue), routing_key=queue)(broker.default_channel)
        declared.declare()
        declared.delete()


def wait_for(condition, timeout: float = 60, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_and_started_again_leaves_each_delivery_processed_once(
    operator, settings, monkeypatch, tmp_path
):
    settings.WEBHOOK_SEND_EAGERLY = False
    settings.WEBHOOK_SWEEP_AFTER_SECONDS = 0  # a delivery whose task was lost is the sweep's at once
    queue = own_queue_name()
    monkeypatch.setattr(tasks.webhook_send, "apply_async", partial(tasks.webhook_send.apply_async, queue=queue))
    log = tmp_path / "worker.log"
    with Receiver(hold_request=3) as receiver:
        subscription = WebhookSubscription.objects.create(name="Console", url=receiver.url(),
                                                          events=[WebhookEvent.RECORDED])  # fmt: skip
        try:
            with worker_process(queue, log) as first:
                incidents = [record(operator) for _ in range(5)]  # five commits, five tasks published
                assert receiver.held.wait(60), log.read_text()
                # The worker holds the third delivery's row and waits for the receiver's answer: killed there.
                first.kill()
                assert first.wait(10) == -signal.SIGKILL
            receiver.release.set()  # the receiver answers the third into a closed connection
            rows = WebhookDelivery.objects.filter(subscription=subscription).order_by("incident_id")
            assert (
                list(rows.values_list("state", "attempts"))
                == [(WebhookDeliveryState.SENT, 1)] * 2
                + [
                    (WebhookDeliveryState.PENDING, 0)  # the killed claim was rolled back with its connection
                ]
                * 3
            )

            with worker_process(queue, log):
                # Its task is held unacknowledged by the dead worker until the broker's visibility timeout: the
                # sweep (beat's, every minute) publishes the delivery again.
                sweep = tasks.webhooks_sweep.apply_async(queue=queue, ignore_result=False)
                assert sweep.get(timeout=60) >= 1
                sweep.forget()
                wait_for(lambda: not rows.exclude(state=WebhookDeliveryState.SENT).exists(), what=log.read_text())
                # A second sweep, and every task published again, send nothing more.
                again = [
                    tasks.webhook_send.apply_async(args=[pk], queue=queue, ignore_result=False)
                    for pk in rows.values_list("pk", flat=True)
                ]
                assert [result.get(timeout=60) for result in again] == [None] * 5
                for result in again:
                    result.forget()
                assert tasks.webhooks_sweep.apply().get() == 0
        finally:
            remove_queue(queue)

    delivered = list(rows)
    uids = [str(row.uid) for row in delivered]
    assert [row.incident_id for row in delivered] == [incident.pk for incident in incidents]
    assert {(row.state, row.attempts, row.response_status) for row in delivered} == {
        (WebhookDeliveryState.SENT, 1, 200)
    }
    assert sorted(receiver.processed) == sorted(uids)  # each processed once
    # On the wire, the third came twice, under the same id: once to the killed worker, once after.
    arrivals = [request.delivery for request in receiver.requests]
    assert sorted(arrivals) == sorted([*uids, uids[2]])
    assert receiver.all_signed_with(subscription.secret)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_refusing_receiver_by_itself_with_backoff(operator, settings, monkeypatch):
    settings.WEBHOOK_SEND_EAGERLY = False
    settings.WEBHOOK_RETRY_SECONDS = 1
    queue = own_queue_name()
    monkeypatch.setattr(tasks.webhook_send, "apply_async", partial(tasks.webhook_send.apply_async, queue=queue))

    with Receiver(statuses=(500, 502)) as receiver, real_worker(queue):
        WebhookSubscription.objects.create(name="Console", url=receiver.url(), events=[WebhookEvent.RECORDED])
        incident = record(operator)
        rows = WebhookDelivery.objects.filter(incident=incident)
        wait_for(lambda: rows.filter(state=WebhookDeliveryState.SENT).exists())

    delivery = rows.get()
    assert (delivery.attempts, delivery.response_status) == (3, 200)
    first, second, third = (request.arrived_at for request in receiver.requests)
    assert 0.8 <= second - first < 3 and 1.8 <= third - second < 4  # 1 s, then 2 s
    assert {request.delivery for request in receiver.requests} == {str(delivery.uid)}
