"""Which webhook events a journal entry is, and the body each is sent as.

Every change of an incident writes one journal entry through ``incidents.core.writes.journal_write``, so the entry
alone says what happened: its kind, and for a change of state or a notice, its ``data``. The body keeps personal
data out: the incident's number, title, state, priority and group, and a link to its page; no caller, no text.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from incidents.choices import ActivityKind, State, WebhookEvent
from incidents.models import Activity, Incident

KIND_EVENTS = {
    ActivityKind.RECORDED: WebhookEvent.RECORDED,
    ActivityKind.ESCALATED: WebhookEvent.ESCALATED,
    ActivityKind.ACKNOWLEDGED: WebhookEvent.ACKNOWLEDGED,
}
STATE_EVENTS = {State.RESOLVED: WebhookEvent.RESOLVED, State.CLOSED: WebhookEvent.CLOSED}
NOTICE_EVENTS = {
    "sla_warning": WebhookEvent.SLA_WARNING,
    "sla_breach": WebhookEvent.SLA_BREACH,
    "sla_late_breach": WebhookEvent.SLA_BREACH,
    "management": WebhookEvent.SERIOUS_NOTIFIED,
}


def entry_events(entry: Activity) -> list[WebhookEvent]:
    """The events ``entry`` is, in the order they happened: most entries are none, a serious incident's recording
    is two (recorded, then declared serious)."""
    data = entry.data or {}
    events = []
    if entry.kind in KIND_EVENTS:
        events.append(KIND_EVENTS[entry.kind])
    if entry.kind == ActivityKind.STATE_CHANGED:
        events += _state_events(data.get("state"))
    if entry.kind == ActivityKind.NOTIFICATION and data.get("notice") in NOTICE_EVENTS:
        events.append(NOTICE_EVENTS[data["notice"]])
    # Serious from the start (the recording), or made serious by a priority raised (classified, re-evaluated).
    if data.get("serious") is True or data.get("serious") == [False, True]:
        events.append(WebhookEvent.SERIOUS_DECLARED)
    return events


def _state_events(change: Any) -> list[WebhookEvent]:
    if not isinstance(change, list) or len(change) != 2:
        return []
    before, after = change
    if after in STATE_EVENTS:
        return [STATE_EVENTS[after]]
    if before == State.RESOLVED and after == State.INVESTIGATING:
        return [WebhookEvent.REOPENED]
    return []


def event_payload(event: str, entry: Activity, *, delivery: uuid.UUID) -> dict[str, Any]:
    """The body of one delivery of ``event``: what happened, when, to which incident, and the few details the event
    has (a service level's target and stage, how it was resolved or closed)."""
    return {
        "event": event,
        "delivery": str(delivery),
        "occurred_at": entry.created_at.isoformat(),
        "incident": incident_essentials(entry.incident),
        "details": _details(event, entry),
    }


def incident_essentials(incident: Incident) -> dict[str, Any]:
    """What a receiver needs to show and link the incident, and nothing about the people in it."""
    return {
        "number": incident.number,
        "title": incident.short_description,
        "state": incident.state,
        "priority": incident.priority,
        "serious": incident.serious,
        "assigned_group": incident.assigned_group.name if incident.assigned_group_id else None,
        "url": settings.SITE_URL + incident.get_absolute_url(),
    }


def _details(event: str, entry: Activity) -> dict[str, Any]:
    data, incident = entry.data or {}, entry.incident
    if event in (WebhookEvent.SLA_WARNING, WebhookEvent.SLA_BREACH):
        target = data.get("target")
        due = getattr(incident, f"{target}_due_at", None) if target in ("response", "resolution") else None
        return {
            "target": target,
            "stage": data["notice"].removeprefix("sla_"),
            "due_at": due.isoformat() if due else None,
        }
    if event == WebhookEvent.RESOLVED:
        return {"resolution_code": incident.resolution_code}
    if event == WebhookEvent.REOPENED:
        return {"by_caller": data.get("via") == "caller_link"}
    if event == WebhookEvent.CLOSED:
        return {"automatically": data.get("via") == "automatic"}
    return {}
