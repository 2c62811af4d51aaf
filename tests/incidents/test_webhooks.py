"""Webhooks: each event an administrator can subscribe to, fired by the services that make the change, written with
the change and POSTed after commit to a real receiver on localhost that checks the signature as the guide says.

Deliveries are sent in-process when the transaction commits (``WEBHOOK_SEND_EAGERLY``, as every test does);
``test_webhooks_delivery`` covers retries, races and refused addresses, ``test_webhooks_admin`` the
administration, ``test_webhooks_worker`` real Celery workers.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, ResolutionCode, State, Urgency, WebhookEvent
from incidents.core.writes import journal_write
from incidents.journal import notes
from incidents.lifecycle import classification, closure, escalation, notices, resolution
from incidents.models import (
    Activity,
    Incident,
    ServiceLevel,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookSubscription,
)
from incidents.servicelevels import sweep
from incidents.webhooks import deliveries, events
from tests.cmdb.factories import ContactFactory
from tests.incidents.webhook_receiver import Receiver
from tests.incidents.workflow import classified, closed, investigating, record, resolved

EVERY_EVENT = list(WebhookEvent.values)


pytestmark = pytest.mark.usefixtures("webhooks_to_localhost")


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def subscribe(receiver: Receiver, events: list[str] = EVERY_EVENT, **fields) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name=fields.pop("name", f"Receiver {uuid.uuid4().hex[:6]}"), url=receiver.url(), events=events, **fields
    )


def reopen(operator, incident: Incident) -> Incident:
    return resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="Still no VPN from home.")


# --- every event, by the services that cause it ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_incidents_life_reaches_the_receiver_event_by_event_signed(
    operator, support_member, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        incident = resolved(operator, vpn, network, support_member)
    with django_capture_on_commit_callbacks(execute=True):
        reopen(operator, incident)
    with django_capture_on_commit_callbacks(execute=True):
        resolution.incident_resolve(
            by=support_member,
            incident_id=incident.pk,
            resolution_code=ResolutionCode.WORKAROUND,
            resolution_notes="Use the web VPN.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        closed(operator, incident)

    assert receiver.events() == [
        "incident.recorded",
        "incident.escalated",  # classifying is no event
        "incident.acknowledged",  # the group's first action on it, the resolution, acknowledges it first
        "incident.resolved",
        "incident.reopened",
        "incident.acknowledged",  # and again after the reopening
        "incident.resolved",
        "incident.closed",
    ]
    assert receiver.all_signed_with(subscription.secret)
    assert {request.content_type for request in receiver.requests} == {"application/json"}
    assert len({request.delivery for request in receiver.requests}) == 8
    rows = WebhookDelivery.objects.filter(subscription=subscription)
    assert set(rows.values_list("state", "attempts", "response_status")) == {(WebhookDeliveryState.SENT, 1, 200)}
    assert {str(uid) for uid in rows.values_list("uid", flat=True)} == {r.delivery for r in receiver.requests}


@pytest.mark.django_db
def test_the_body_holds_the_incidents_essentials_and_no_personal_data(
    operator, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.ESCALATED])
    caller = ContactFactory(first_name="Piet", last_name="Pieters", email="piet@example.org", phone="+31 20 555 0101")

    with django_capture_on_commit_callbacks(execute=True):
        incident = investigating(operator, vpn, network, caller=caller)

    [request] = receiver.requests
    body = request.payload
    entry = incident.journal.get(kind=ActivityKind.ESCALATED)
    assert body == {
        "event": "incident.escalated",
        "delivery": request.delivery,
        "occurred_at": entry.created_at.isoformat(),
        "incident": {
            "number": incident.number,
            "title": "VPN does not connect",
            "state": "investigating",
            "priority": incident.priority,
            "serious": False,
            "assigned_group": "Network operations",
            "url": f"http://localhost:8000/incidents/{incident.number}/",
        },
        "details": {},
    }
    text = request.body.decode()
    for personal in ("Piet", "piet@example.org", "555 0101", "5550101", "olivia", "Authentication failed"):
        assert personal not in text
    # The bytes sent are those signed, and the same on every attempt: sorted keys, no spaces.
    assert text.startswith('{"delivery":') and ", " not in text


@pytest.mark.django_db
def test_the_desk_acknowledgement_and_the_caller_link_reopening_are_events(
    operator, support_member, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.ACKNOWLEDGED, WebhookEvent.REOPENED, WebhookEvent.RESOLVED])
    incident = investigating(operator, vpn, network)

    with django_capture_on_commit_callbacks(execute=True):
        escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
        resolution.incident_resolve(
            by=support_member,
            incident_id=incident.pk,
            resolution_code=ResolutionCode.PERMANENT_FIX,
            resolution_notes="Fixed.",
        )
        resolution.incident_reopen(by=None, incident_id=incident.pk, reason="Still broken", via_caller=True)
        # After the reopening, the group's first action on it acknowledges it afresh.
        notes.incident_add_note(by=support_member, incident_id=incident.pk, text="Looking again.")

    assert receiver.events() == ["incident.acknowledged", "incident.resolved", "incident.reopened",
                                 "incident.acknowledged"]  # fmt: skip
    details = [request.payload["details"] for request in receiver.requests]
    assert details == [{}, {"resolution_code": "permanent_fix"}, {"by_caller": True}, {}]


@pytest.mark.django_db
def test_a_first_line_fix_and_the_automatic_closure_are_events(
    operator, vpn, receiver, settings, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.RESOLVED, WebhookEvent.CLOSED])
    incident = classified(operator, vpn)

    with django_capture_on_commit_callbacks(execute=True):
        resolution.incident_resolve_at_first_line(
            by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.NO_FAULT, resolution_notes="Caps lock."
        )
    Incident.objects.filter(pk=incident.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert closure.incident_close_automatically(incident_id=incident.pk) is not None

    assert [(r.event, r.payload["incident"]["state"], r.payload["details"]) for r in receiver.requests] == [
        ("incident.resolved", "resolved", {"resolution_code": "no_fault"}),
        ("incident.closed", "closed", {"automatically": True}),
    ]


@pytest.mark.django_db
def test_a_serious_incident_is_declared_and_its_management_notice_sent(
    operator, manager, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.RECORDED, WebhookEvent.SERIOUS_DECLARED, WebhookEvent.SERIOUS_NOTIFIED])

    with django_capture_on_commit_callbacks(execute=True):
        incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)
    with django_capture_on_commit_callbacks(execute=True):
        notices.incident_notify_management(by=operator, incident_id=incident.pk)
        subject, body = notices.prepared_user_message(incident)
        notices.incident_inform_users(by=operator, incident_id=incident.pk, subject=subject, body=body)

    assert receiver.events() == ["incident.recorded", "serious.declared", "serious.notified"]
    assert {request.payload["incident"]["serious"] for request in receiver.requests} == {True}
    assert {request.payload["incident"]["priority"] for request in receiver.requests} == {1}


@pytest.mark.django_db
def test_a_priority_raised_at_classification_declares_the_incident_serious(
    operator, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.SERIOUS_DECLARED])
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.MEDIUM)

    with django_capture_on_commit_callbacks(execute=True):
        classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.HIGH,
                                         urgency=Urgency.HIGH)  # fmt: skip

    [request] = receiver.requests
    assert request.event == "serious.declared"
    assert request.payload["incident"]["state"] == State.CLASSIFIED


AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, 25, hour, minute, tzinfo=AMSTERDAM)  # a Wednesday


@pytest.mark.django_db
def test_the_service_level_sweep_sends_the_warning_and_each_breach(
    operator, vpn, network, receiver, django_capture_on_commit_callbacks
):
    level = ServiceLevel.objects.select_related("calendar").get(is_default=True)
    level.calendar.time_zone = "Europe/Amsterdam"
    level.calendar.save()
    subscribe(receiver, [WebhookEvent.SLA_WARNING, WebhookEvent.SLA_BREACH])
    with time_machine.travel(at(10), tick=False) as clock:
        # A P2: the group responds within 30 business minutes.
        incident = investigating(operator, vpn, network, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
        for moment in (at(10, 23), at(10, 24), at(10, 30), at(10, 45), at(10, 50)):
            clock.move_to(moment)
            with django_capture_on_commit_callbacks(execute=True):
                sweep.sla_sweep()
        assert receiver.all_signed_with(WebhookSubscription.objects.get().secret)

    due = Incident.objects.get(pk=incident.pk).response_due_at.isoformat()
    assert [(request.event, request.payload["details"]) for request in receiver.requests] == [
        ("sla.warning", {"target": "response", "stage": "warning", "due_at": due}),
        ("sla.breach", {"target": "response", "stage": "breach", "due_at": due}),
        ("sla.breach", {"target": "response", "stage": "late_breach", "due_at": due}),
    ]


# --- written with the change ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deliveries_are_written_with_the_change_and_posted_only_after_commit(
    operator, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.ESCALATED], name="Chat")
    subscribe(receiver, [WebhookEvent.ESCALATED, WebhookEvent.RESOLVED], name="Console")
    incident = classified(operator, vpn)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network.")
        rows = WebhookDelivery.objects.filter(incident=incident).order_by("subscription__name")
        assert [(row.subscription.name, row.event, row.state) for row in rows] == [
            ("Chat", "incident.escalated", WebhookDeliveryState.PENDING),
            ("Console", "incident.escalated", WebhookDeliveryState.PENDING),
        ]
        assert receiver.requests == []  # nothing leaves before the commit

    webhook_callbacks = [callback for callback in callbacks if "webhook_queue" in repr(callback)]
    assert len(webhook_callbacks) == 2
    for callback in webhook_callbacks:
        callback()
    assert receiver.events() == ["incident.escalated", "incident.escalated"]
    assert set(rows.values_list("state", flat=True)) == {WebhookDeliveryState.SENT}


@pytest.mark.django_db
def test_a_rolled_back_change_writes_and_sends_nothing(
    operator, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver)
    incident = classified(operator, vpn)
    written_before = WebhookDelivery.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network.")
        raise RuntimeError("the request failed after the escalation")

    assert callbacks == []
    assert WebhookDelivery.objects.count() == written_before
    assert receiver.requests == []
    assert Incident.objects.get(pk=incident.pk).state == State.CLASSIFIED


@pytest.mark.django_db
def test_only_active_subscriptions_to_the_event_are_written_and_notes_are_no_event(
    operator, network, vpn, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, [WebhookEvent.RESOLVED], name="Resolutions only")
    subscribe(receiver, EVERY_EVENT, name="Switched off", active=False)

    with django_capture_on_commit_callbacks(execute=True):
        incident = investigating(operator, vpn, network)
        notes.incident_add_note(by=operator, incident_id=incident.pk, text="Called the caller back.")

    assert WebhookDelivery.objects.count() == 0
    assert receiver.requests == []


@pytest.mark.django_db
def test_an_entry_that_is_no_event_costs_no_query(operator, django_assert_num_queries):
    incident = record(operator)

    with django_assert_num_queries(1):  # the entry's INSERT alone
        journal_write(incident, by=operator, kind=ActivityKind.NOTE, text="Called back.")


@pytest.mark.django_db
def test_deliveries_need_the_changes_transaction(operator, monkeypatch):
    incident = record(operator)
    entry = incident.journal.get(kind=ActivityKind.RECORDED)
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)

    with pytest.raises(transaction.TransactionManagementError):
        deliveries.webhooks_write(entry)


def test_every_event_an_administrator_can_choose_comes_from_some_journal_entry():
    entries = [
        (ActivityKind.RECORDED, {"serious": True}),
        (ActivityKind.ESCALATED, {}),
        (ActivityKind.ACKNOWLEDGED, {}),
        (ActivityKind.STATE_CHANGED, {"state": ["investigating", "resolved"]}),
        (ActivityKind.STATE_CHANGED, {"state": ["resolved", "investigating"]}),
        (ActivityKind.STATE_CHANGED, {"state": ["resolved", "closed"]}),
        (ActivityKind.NOTIFICATION, {"notice": "sla_warning"}),
        (ActivityKind.NOTIFICATION, {"notice": "sla_breach"}),
        (ActivityKind.NOTIFICATION, {"notice": "management"}),
    ]
    fired = set()
    for kind, data in entries:
        fired |= set(events.entry_events(_entry(kind, data)))

    assert fired == set(WebhookEvent)
    for kind, data in [
        (ActivityKind.STATE_CHANGED, {"state": ["recorded", "classified"]}),
        (ActivityKind.NOTIFICATION, {"notice": "users"}),
        (ActivityKind.PRIORITY_CHANGED, {"serious": [True, True]}),
        (ActivityKind.RECORDED, {"serious": False}),
    ]:
        assert events.entry_events(_entry(kind, data)) == ([WebhookEvent.RECORDED] if kind == "recorded" else [])


def _entry(kind: str, data: dict) -> Activity:
    return Activity(kind=kind, data=data)
