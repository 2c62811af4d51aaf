"""The outbox: mail written with the change, sent after commit, retried, never lost and never sent twice.

Most tests send in-process when the transaction commits (``OUTBOX_SEND_EAGERLY``, as every test does);
the ``slow`` ones switch that off and go through the broker of the settings (Redis in CI) and a real
Celery worker listening on a queue of its own, like ``test_tasks``.
"""

from __future__ import annotations

import datetime
import socket
import threading
import time
import uuid
from functools import partial

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from incidents.choices import State
from incidents.lifecycle import escalation
from incidents.mail import outbox
from incidents.models import Incident, OutboxMessage, OutboxState
from servicedesk.celery import app
from tests.celery_worker import real_worker
from tests.cmdb.factories import SupportGroupFactory
from tests.incidents.workflow import classified, record

# --- helpers ------------------------------------------------------------------------------------------


def escalate(operator, incident: Incident, group) -> Incident:
    return escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Needs the network.")


@pytest.fixture
def group(support_member):
    return SupportGroupFactory(name="Network operations", email="network@example.org", members=[support_member])


class RefusingSMTPServer:
    """A mail server on localhost that refuses every connection with 554, as an overloaded relay does."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                client, _address = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            with client:
                client.sendall(b"554 5.3.2 mail.example.org: service not available, closing channel\r\n")

    def __enter__(self) -> RefusingSMTPServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()

    def mailers(self) -> dict[str, dict[str, object]]:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }


def pending_message(incident: Incident) -> OutboxMessage:
    """A row as ``outbox_write`` leaves it, without queueing its task (the test runs it)."""
    return OutboxMessage.objects.create(
        incident=incident, kind="test", recipient="a@example.org", subject="Hello", body_text="Once.",
        next_attempt_at=timezone.now(),
    )  # fmt: skip


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.1)


# --- written with the change, sent after commit -------------------------------------------------------


@pytest.mark.django_db
def test_an_escalation_writes_the_groups_mail_with_it_and_sends_each_once_after_commit(
    operator, support_member, group, vpn, django_capture_on_commit_callbacks
):
    incident = classified(operator, vpn)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalate(operator, incident, group)
        rows = list(OutboxMessage.objects.filter(incident=incident, kind="assigned").order_by("recipient"))
        assert [(row.recipient, row.state) for row in rows] == [
            ("network@example.org", OutboxState.PENDING),
            (support_member.email, OutboxState.PENDING),
        ]
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    for row in rows:
        row.refresh_from_db()
        assert (row.state, row.attempts, row.last_error) == (OutboxState.SENT, 1, "")
        assert row.sent_at is not None and row.next_attempt_at is None
    assert sorted(message.to[0] for message in mail.outbox) == ["network@example.org", support_member.email]
    message = mail.outbox[0]
    assert message.subject == f"[{incident.number}] Assigned to Network operations: VPN does not connect"
    assert f"http://localhost:8000/incidents/{incident.number}/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and incident.number in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"

    # Running the task again (a redelivery, the sweep) sends nothing more.
    assert outbox.outbox_send.apply(args=[rows[0].pk]).get() is None
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_nothing_is_written_or_sent_for_a_rolled_back_change(operator, group, vpn, django_capture_on_commit_callbacks):
    incident = classified(operator, vpn)
    written_before = OutboxMessage.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        escalate(operator, incident, group)
        raise RuntimeError("the request failed after the escalation")

    assert callbacks == []
    assert mail.outbox == []
    assert OutboxMessage.objects.count() == written_before
    assert Incident.objects.get(pk=incident.pk).state == State.CLASSIFIED


@pytest.mark.django_db
def test_the_same_dedupe_key_is_written_once(operator):
    incident = record(operator)

    first = outbox.outbox_write(incident=incident, kind="sla_warning", recipient="a@example.org", subject="75%",
                                body_text="…", dedupe_key="sla:1:response:warning")  # fmt: skip
    second = outbox.outbox_write(incident=incident, kind="sla_warning", recipient="a@example.org", subject="75%",
                                 body_text="…", dedupe_key="sla:1:response:warning")  # fmt: skip

    assert first is not None and second is None
    assert OutboxMessage.objects.filter(dedupe_key="sla:1:response:warning").count() == 1


@pytest.mark.django_db
def test_a_message_is_sent_once_when_the_task_runs_twice(operator):
    message = pending_message(record(operator))

    results = [outbox.outbox_send.apply(args=[message.pk]).get() for _ in range(2)]

    assert results == [OutboxState.SENT, None]
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


class SlowBackend(LocmemBackend):
    """Holds the first send until the test lets it go, so that a second worker comes while the row is claimed."""

    claimed = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        SlowBackend.claimed.set()
        assert SlowBackend.release.wait(10)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_the_same_message_at_once_send_it_once(operator, settings):
    message = pending_message(record(operator))
    mail.outbox.clear()
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.SlowBackend"}}
    SlowBackend.claimed.clear()
    SlowBackend.release.clear()
    results: list[object] = []

    def first_worker() -> None:
        try:
            results.append(outbox.outbox_deliver(message_id=message.pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    try:
        assert SlowBackend.claimed.wait(10)
        # The row is locked by the first worker, mid-send: the second skips it instead of waiting or sending.
        assert outbox.outbox_deliver(message_id=message.pk) is None
    finally:
        SlowBackend.release.set()
        worker.join(10)

    [delivered] = results
    assert delivered.state == OutboxState.SENT
    assert outbox.outbox_deliver(message_id=message.pk) is None  # and now it is sent
    assert len(mail.outbox) == 1


# --- a mail server that refuses -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_mail_is_retried_with_backoff_and_ends_failed_with_the_error(
    operator, group, vpn, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = 60
    incident = classified(operator, vpn)
    with RefusingSMTPServer() as server:
        settings.MAILERS = server.mailers()
        with django_capture_on_commit_callbacks(execute=True):
            escalate(operator, incident, group)

        message = OutboxMessage.objects.get(incident=incident, kind="assigned", recipient="network@example.org")
        assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
        assert "SMTPConnectError" in message.last_error and "service not available" in message.last_error
        assert message.next_attempt_at - timezone.now() > datetime.timedelta(seconds=55)
        # Not due yet: the sweep leaves it alone, and a stray task does not shorten the wait.
        assert outbox.outbox_due() == []
        assert outbox.outbox_send.apply(args=[message.pk]).get() is None

        for expected_attempts, expected_wait in ((2, 120), (3, None)):
            OutboxMessage.objects.filter(incident=incident, kind="assigned", state=OutboxState.PENDING).update(
                next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
            )
            assert outbox.outbox_sweep.apply().get() == 2  # the group's mailbox and its member
            message.refresh_from_db()
            assert message.attempts == expected_attempts
            if expected_wait:
                wait = (message.next_attempt_at - timezone.now()).total_seconds()
                assert expected_wait - 5 < wait <= expected_wait
        assert server.connections == 6

    assert (message.state, message.next_attempt_at, message.sent_at) == (OutboxState.FAILED, None, None)
    assert "554" in message.last_error
    assert mail.outbox == []
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING  # the change stands
    # Failed rows wait for an administrator: the sweep takes only the (not yet due) recorded mail's row.
    assert outbox.outbox_due(now=timezone.now() + datetime.timedelta(days=1)) == list(
        OutboxMessage.objects.filter(incident=incident, kind="recorded").values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_administrators_see_failed_mail_with_its_error_and_resend_it(
    client, administrator, operator, group, vpn, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    incident = classified(operator, vpn)
    with RefusingSMTPServer() as server:
        settings.MAILERS = server.mailers()
        with django_capture_on_commit_callbacks(execute=True):
            escalate(operator, incident, group)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    failed = OutboxMessage.objects.get(incident=incident, recipient="network@example.org")
    assert failed.state == OutboxState.FAILED
    client.force_login(administrator)
    changelist = reverse("admin:incidents_outboxmessage_changelist")

    page = client.get(changelist, {"state__exact": "failed", "q": incident.number})
    assert page.status_code == 200
    content = page.content.decode()
    assert "network@example.org" in content and "SMTPConnectError" in content
    assert "network@example.org" in client.get(changelist, {"kind": "assigned"}).content.decode()
    assert "network@example.org" not in client.get(changelist, {"kind": "recorded"}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "resend", "_selected_action": [failed.pk]}, follow=True)

    assert "1 message is queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (OutboxState.SENT, 1)
    assert [m.to for m in mail.outbox] == [["network@example.org"]]


@pytest.mark.django_db
def test_only_failed_messages_are_resent_and_only_by_administrators(operator, administrator):
    incident = record(operator)
    with transaction.atomic():
        message = outbox.outbox_write(incident=incident, kind="test", recipient="a@example.org", subject="Hi",
                                      body_text="…")  # fmt: skip
    with pytest.raises(PermissionDenied):
        outbox.outbox_resend(by=operator, message_id=message.pk)
    with pytest.raises(ValidationError):
        outbox.outbox_resend(by=administrator, message_id=message.pk)


# --- a broker that is down, and a real worker ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_broker_down_at_the_escalation_delays_the_mail_and_the_sweep_delivers_it_once(
    operator, group, vpn, settings, monkeypatch
):
    settings.OUTBOX_SEND_EAGERLY = False
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0  # lost tasks are due for the sweep at once
    queue = f"test-{uuid.uuid4().hex}"
    publish = outbox.outbox_send.apply_async

    # Every commit's publishing goes to a broker nobody listens on: the connection is refused.
    dead = app.connection_for_write("redis://127.0.0.1:1/0")
    monkeypatch.setattr(outbox.outbox_send, "apply_async", partial(publish, connection=dead))
    incident = classified(operator, vpn)
    escalate(operator, incident, group)

    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING  # committed all the same
    rows = OutboxMessage.objects.filter(incident=incident)
    assert sorted(rows.values_list("kind", "state", "attempts")) == [
        ("assigned", OutboxState.PENDING, 0), ("assigned", OutboxState.PENDING, 0),
        ("recorded", OutboxState.PENDING, 0),
    ]  # fmt: skip
    assert mail.outbox == []

    # The broker is back (the settings' one); the worker takes this test's queue only.
    monkeypatch.setattr(outbox.outbox_send, "apply_async", partial(publish, queue=queue))
    with real_worker(queue):
        sweep = outbox.outbox_sweep.apply_async(queue=queue, ignore_result=False)
        assert sweep.get(timeout=30) == 3
        sweep.forget()
        wait_for(lambda: not rows.filter(state=OutboxState.PENDING).exists())
        # A second sweep and a duplicate task find nothing to send.
        assert outbox.outbox_sweep.apply().get() == 0
        duplicate = publish(args=[rows.first().pk], queue=queue, ignore_result=False)
        assert duplicate.get(timeout=30) is None
        duplicate.forget()

    assert sorted(rows.values_list("state", "attempts")) == [(OutboxState.SENT, 1)] * 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["network@example.org", "sam@example.org", incident.caller.email]
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_refused_mail_by_itself_until_it_fails(operator, group, vpn, settings, monkeypatch):
    settings.OUTBOX_SEND_EAGERLY = False
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = 0  # no waiting between attempts
    queue = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(outbox.outbox_send, "apply_async", partial(outbox.outbox_send.apply_async, queue=queue))

    with RefusingSMTPServer() as server, real_worker(queue):
        settings.MAILERS = server.mailers()
        incident = classified(operator, vpn)
        escalate(operator, incident, group)
        rows = OutboxMessage.objects.filter(incident=incident)
        wait_for(lambda: rows.count() == 3 and not rows.exclude(state=OutboxState.FAILED).exists())

    # The caller's "recorded" mail and the group's two, each tried three times by the worker alone.
    assert sorted(rows.values_list("state", "attempts")) == [(OutboxState.FAILED, 3)] * 3
    assert all("554" in error for error in rows.values_list("last_error", flat=True))
    assert server.connections == 9
    assert mail.outbox == []


def test_beat_runs_the_outbox_sweep_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]

    assert entry["schedule"] == 60
    assert entry["task"] == outbox.outbox_sweep.name
    assert entry["task"] in app.tasks
    assert outbox.outbox_send.name in app.tasks


@pytest.mark.django_db
def test_outbox_write_needs_the_changes_transaction(operator, monkeypatch):
    incident = record(operator)
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)

    with pytest.raises(transaction.TransactionManagementError):
        outbox.outbox_write(incident=incident, kind="test", recipient="a@example.org", subject="Hi", body_text="…")


@pytest.mark.django_db
def test_other_staff_are_not_administrators_of_the_outbox(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:incidents_outboxmessage_changelist"))
    assert response.status_code in (302, 403)
