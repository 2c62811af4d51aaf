"""A request's id follows the Celery tasks it publishes: a worker process writing JSON lines logs the task's lines
with the request's id, its name and id (issue 20's "done when")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

from incidents.mail import outbox
from incidents.models import OutboxMessage, OutboxState
from servicedesk.celery import app
from tests.celery_worker import own_queue_name
from tests.incidents.test_webhooks_worker import database_url, remove_queue
from tests.incidents.workflow import record
from tests.servicedesk.test_request_logs import json_log, lines  # noqa: F401 (a fixture)

ROOT = Path(django_settings.BASE_DIR)
# `celery -A servicedesk worker`, taking only the test's queue.
WORKER = """
import sys
from servicedesk.celery import app
app.worker_main(["worker", "--pool=solo", "--queues", sys.argv[1], "--loglevel=INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"])
"""


def wait_for(condition, timeout: float, what) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; the worker's output:\n{what()}")
        time.sleep(0.2)


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_request_id_is_in_the_json_log_of_the_request_and_of_the_task_it_started_in_a_worker(
    client,
    operator,
    administrator,
    settings,
    monkeypatch,
    tmp_path,
    json_log,  # noqa: F811 (the fixture)
):
    settings.OUTBOX_SEND_EAGERLY = False
    queue = own_queue_name()
    monkeypatch.setattr(outbox.outbox_send, "apply_async", partial(outbox.outbox_send.apply_async, queue=queue))
    failed = OutboxMessage.objects.create(
        incident=record(operator), kind="test", recipient="network@example.org", subject="Hello", body_text="Again.",
        next_attempt_at=timezone.now(), state=OutboxState.FAILED, attempts=8,
    )  # fmt: skip
    log = tmp_path / "worker.log"
    env = os.environ | {"DATABASE_URL": database_url(), "LOG_FORMAT": "json", "EMAIL_URL": f"file://{tmp_path}/mail"}
    with log.open("wb") as output:
        worker = subprocess.Popen([sys.executable, "-c", WORKER, queue], cwd=ROOT, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)  # fmt: skip
    try:
        client.force_login(administrator)
        request_id = uuid.uuid4().hex

        response = client.post(
            reverse("admin:incidents_outboxmessage_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
            headers={"X-Request-ID": request_id},
        )

        assert response.status_code == 302
        assert response["X-Request-ID"] == request_id
        [resent] = [line for line in lines(json_log) if line["logger"] == "incidents.mail.outbox"]
        assert resent["message"] == f"Outbox message {failed.pk} resent by {administrator.get_username()}."
        assert (resent["request_id"], resent["user_id"]) == (request_id, administrator.pk)

        def task_lines() -> list[dict]:
            return [line for line in json_lines(log) if line.get("request_id") == request_id]

        # The message is sent, and the worker's line saying so is written just after.
        wait_for(lambda: OutboxMessage.objects.get(pk=failed.pk).state == OutboxState.SENT, 90, log.read_text)
        wait_for(lambda: any("succeeded" in line["message"] for line in task_lines()), 10, log.read_text)
        for line in task_lines():
            assert (line["task"], line["level"]) == ("incidents.outbox.outbox_send", "info")
            assert line["message"].startswith(f"Task incidents.outbox.outbox_send[{line['task_id']}] succeeded")
        # The worker's own lines (not a task's) carry no request.
        assert any(line["logger"] == "celery.apps.worker" and "request_id" not in line for line in json_lines(log))
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        remove_queue(queue)


def test_a_task_run_in_the_request_leaves_the_requests_context_as_it_was():
    """The outbox and the webhooks run their task in the request with ``*_SEND_EAGERLY``: its lines carry the
    request's id too, and the request's lines after it are the request's again."""
    seen = {}

    @app.task(name="tests.context_probe", bind=True)
    def probe(self) -> None:
        seen.update(get_contextvars())

    clear_contextvars()
    bind_contextvars(request_id="the-request")
    try:
        probe.apply()

        assert (seen["request_id"], seen["task"]) == ("the-request", "tests.context_probe")
        assert get_contextvars() == {"request_id": "the-request"}
    finally:
        clear_contextvars()
