"""A real Celery worker for tests: in a thread, on the settings' broker (Redis in CI, the filesystem
transport on a laptop), taking only a queue of its own so that no other worker (a running ``serve``,
another test run) takes the test's tasks and the worker takes no one else's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from kombu import Exchange, Queue

from servicedesk.celery import app


def own_queue_name() -> str:
    return f"test-{uuid.uuid4().hex}"


@contextmanager
def real_worker(queue: str) -> Iterator[None]:
    """A worker taking only ``queue``; the queue and its bindings are removed afterwards.

    The worker runs tasks in its own thread with its own database connection, so the data it reads must
    be committed: use it from a transactional test.
    """

    def close_connections(**kwargs: object) -> None:
        # The worker thread's connection would otherwise outlive the test and block dropping the test database.
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    hijack = app.conf.worker_hijack_root_logger
    app.conf.worker_hijack_root_logger = False  # keep the test run's logging as it is
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            yield
    finally:
        app.conf.worker_hijack_root_logger = hijack
        task_postrun.disconnect(close_connections)
        # Declared on this channel first, so that kombu knows the bindings it must remove with it.
        with app.connection_for_write() as connection:
            declared = Queue(queue, Exchange(queue), routing_key=queue)(connection.default_channel)
            declared.declare()
            declared.delete()
