"""Celery tasks of incidents: the automatic closure of resolved incidents, by id and as the beat's sweep."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from cmdb.choices import SupportTier
from incidents.choices import ActivityKind, Impact, ResolutionCode, State, Urgency
from incidents.lifecycle import classification, closure, escalation, resolution, tasks
from incidents.models import Incident
from incidents.recording import calls
from servicedesk.celery import app
from tests.celery_worker import own_queue_name, real_worker
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.knowledge.factories import CategoryFactory


def resolved_incident(operator, member, group, category, *, days_ago: int) -> Incident:
    incident = calls.incident_record(
        by=operator, caller=ContactFactory(), short_description="Printer jams",
        occurred_at=timezone.now() - datetime.timedelta(minutes=5), impact=Impact.LOW, urgency=Urgency.LOW,
    )  # fmt: skip
    classification.incident_classify(by=operator, incident_id=incident.pk, category=category, impact=3, urgency=3)
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason="Hardware.")
    resolution.incident_resolve(
        by=member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The roller was replaced.",
    )  # fmt: skip
    # Backdating the resolution (not the state) stands in for waiting.
    Incident.objects.filter(pk=incident.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=days_ago))
    return incident


@pytest.fixture
def people(db):
    operator = UserFactory(roles=["Service desk"])
    member = UserFactory(roles=["Support"])
    group = SupportGroupFactory(tier=SupportTier.SECOND_LINE, members=[member])
    return operator, member, group, CategoryFactory(name="Printers")


def closure_entries(incident: Incident) -> list:
    return list(incident.journal.filter(kind=ActivityKind.STATE_CHANGED, data__step="close"))


@pytest.mark.django_db
def test_the_sweep_closes_every_due_incident_once_and_a_second_sweep_does_nothing(people, settings):
    settings.SERVICEDESK_AUTO_CLOSE_DAYS = 5
    due = [resolved_incident(*people, days_ago=6), resolved_incident(*people, days_ago=9)]
    recent = resolved_incident(*people, days_ago=2)

    assert tasks.incidents_close_due.apply().get() == 2
    assert tasks.incidents_close_due.apply().get() == 0

    for incident in due:
        incident.refresh_from_db()
        assert (incident.state, incident.closed_automatically) == (State.CLOSED, True)
        [entry] = closure_entries(incident)
        assert (entry.author, entry.data["via"]) == (None, "automatic")
    recent.refresh_from_db()
    assert recent.state == State.RESOLVED


@pytest.mark.django_db
def test_the_sweep_goes_on_when_one_incident_cannot_be_closed(people, monkeypatch):
    first, second = resolved_incident(*people, days_ago=10), resolved_incident(*people, days_ago=8)
    close = closure.incident_close_automatically

    def failing_for_the_first(*, incident_id: int, days: int | None = None):
        if incident_id == first.pk:
            raise RuntimeError("lock timeout")
        return close(incident_id=incident_id, days=days)

    monkeypatch.setattr(closure, "incident_close_automatically", failing_for_the_first)

    assert tasks.incidents_close_due.apply().get() == 1
    assert Incident.objects.get(pk=first.pk).state == State.RESOLVED
    assert Incident.objects.get(pk=second.pk).state == State.CLOSED


@pytest.mark.django_db
def test_closing_one_incident_by_id_is_idempotent(people):
    incident = resolved_incident(*people, days_ago=30)

    assert tasks.incident_close_automatically.apply(args=[incident.pk]).get() is True
    assert tasks.incident_close_automatically.apply(args=[incident.pk]).get() is False

    assert len(closure_entries(incident)) == 1


def test_beat_runs_the_sweep_every_quarter_of_an_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["incidents-close-due"]

    assert entry["schedule"] == 15 * 60
    assert entry["task"] == tasks.incidents_close_due.name
    assert entry["task"] in app.tasks


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_the_sweep_from_the_configured_broker_and_closes_due_incidents(people):
    """The sweep published to the broker of the settings (Redis in CI) and run by a Celery worker.

    The worker runs in a thread with its own database connection, so the data must be committed: a
    transactional test. It listens on a queue of its own, so that no other worker on the same broker (a
    ``serve`` running, another test run) takes the task, and it takes no other run's tasks.
    """
    incident = resolved_incident(*people, days_ago=30)
    queue = own_queue_name()

    with real_worker(queue):
        result = tasks.incidents_close_due.apply_async(queue=queue, ignore_result=False)
        closed = result.get(timeout=30)
        result.forget()

    assert closed == 1
    incident.refresh_from_db()
    assert (incident.state, incident.closed_automatically) == (State.CLOSED, True)
    assert incident.root_cause_category.name == "Printers"
