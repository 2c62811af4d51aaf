"""What a recorded call leaves for after its commit: the caller's mail and the incident's vector, published as one
message (``incidents.recording.tasks.incident_recorded``, decision 0062), each part done whatever becomes of the
other. The ``slow`` test goes through the broker of the settings and a real worker, as ``test_outbox`` does."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db import OperationalError

from incidents.mail import outbox
from incidents.models import IncidentMeaning, OutboxMessage, OutboxState
from incidents.recording import tasks
from tests.celery_worker import real_worker
from tests.cmdb.factories import ContactFactory
from tests.incidents.test_outbox import RefusingSMTPServer, wait_for
from tests.incidents.workflow import record

pytestmark = pytest.mark.django_db


class Failing:
    """A part of the work that finds the database away ``times`` times, then does its work (a spy around it)."""

    def __init__(self, work, times: int) -> None:
        self.work, self.times, self.calls = work, times, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.times:
            raise OperationalError("the database is away")
        return self.work(*args, **kwargs)


def failing_parts(monkeypatch, *, embedding: int, sending: int) -> tuple[Failing, Failing]:
    """The recorded call's two parts, the embedding and the sending, each finding the database away that many times."""
    embed, send = Failing(tasks.incidents_embed, times=embedding), Failing(tasks.outbox_send_due, times=sending)
    monkeypatch.setattr(tasks, "incidents_embed", embed)
    monkeypatch.setattr(tasks, "outbox_send_due", send)
    return embed, send


def test_recording_a_call_leaves_one_message_for_its_mail_and_its_vector(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = record(operator)

    assert len(callbacks) == 1  # the mail and the vector were two
    assert mail.outbox == [] and not IncidentMeaning.objects.filter(incident=incident).exists()
    callbacks[0]()

    assert [message.to for message in mail.outbox] == [[incident.caller.email]]
    assert OutboxMessage.objects.get(incident=incident).state == OutboxState.SENT
    assert IncidentMeaning.objects.filter(incident=incident).exists()


def test_a_caller_without_an_address_still_gets_the_incident_its_vector(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, caller=ContactFactory(email=""))

    assert not OutboxMessage.objects.filter(incident=incident).exists()
    assert IncidentMeaning.objects.filter(incident=incident).exists()


def test_a_mail_refused_is_left_for_its_next_attempt_and_the_incident_is_embedded_all_the_same(
    operator, settings, django_capture_on_commit_callbacks
):
    with RefusingSMTPServer() as server, django_capture_on_commit_callbacks(execute=True):
        settings.MAILERS = server.mailers()
        incident = record(operator)

    message = OutboxMessage.objects.get(incident=incident)
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert "554" in message.last_error and message.next_attempt_at is not None
    assert IncidentMeaning.objects.filter(incident=incident).exists()


def test_the_database_failing_the_embedding_retries_it_alone_and_the_mail_is_sent_once(
    operator, monkeypatch, django_capture_on_commit_callbacks
):
    embed, send = failing_parts(monkeypatch, embedding=2, sending=0)

    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator)

    assert (embed.calls, send.calls) == (3, 1)
    assert len(mail.outbox) == 1
    assert IncidentMeaning.objects.filter(incident=incident).exists()


def test_the_database_failing_the_mail_for_good_leaves_it_to_the_sweep_and_the_incident_is_embedded(
    operator, monkeypatch, django_capture_on_commit_callbacks
):
    embed, send = failing_parts(monkeypatch, embedding=0, sending=100)

    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator)

    assert (send.calls, embed.calls) == (1 + tasks.DATABASE_RETRIES["max_retries"], 1)
    assert IncidentMeaning.objects.filter(incident=incident).exists()
    message = OutboxMessage.objects.get(incident=incident)
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    assert outbox.outbox_due(now=message.next_attempt_at) == [message.pk]  # the sweep's, when it is due


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_one_message_and_sends_the_mail_and_embeds_the_incident(operator, settings, monkeypatch):
    settings.OUTBOX_SEND_EAGERLY = False
    settings.EMBED_EAGERLY = False
    queue = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(
        tasks.incident_recorded, "apply_async", partial(tasks.incident_recorded.apply_async, queue=queue)
    )
    published: list[str] = []

    def count(sender: str, **kwargs: object) -> None:
        published.append(sender)

    before_task_publish.connect(count, weak=False)
    try:
        with real_worker(queue):
            incident = record(operator)
            wait_for(lambda: IncidentMeaning.objects.filter(incident=incident).exists() and len(mail.outbox) == 1)
    finally:
        before_task_publish.disconnect(count)

    assert published == ["incidents.tasks.incident_recorded"]
    assert mail.outbox[0].to == [incident.caller.email]
    assert OutboxMessage.objects.get(incident=incident).state == OutboxState.SENT
