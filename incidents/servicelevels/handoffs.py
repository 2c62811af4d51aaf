"""Handoffs to a support group under its operational level agreement: started on escalation, acknowledged by a
member, ended when the incident moves on; one not acknowledged in time is flagged by the sweep."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from incidents.choices import ActivityKind, State
from incidents.core.writes import incident_save, journal_write
from incidents.models import Activity, GroupAgreement, Handoff, Incident, ServiceLevel, may_work
from incidents.servicelevels.calendar import NoBusinessTime, add_business_time, calendar_spec
from incidents.servicelevels.clock import clock_respond, in_minutes


def handoff_start(*, incident: Incident, at: datetime.datetime) -> Handoff:
    """The incident was handed to its (new) assigned group: the previous handoff ends, a new one starts with
    the acknowledgement due under the group's agreement (none without one)."""
    handoff_end(incident=incident, at=at)
    agreement = GroupAgreement.objects.filter(group_id=incident.assigned_group_id).first()
    due_at = None
    if agreement is not None:
        calendar_id = agreement.calendar_id
        if calendar_id is None and incident.service_level is not None:
            calendar_id = incident.service_level.calendar_id
        if calendar_id is None:
            calendar_id = ServiceLevel.objects.filter(is_default=True).values_list("calendar_id", flat=True).first()
        if calendar_id is not None:
            try:
                due_at = add_business_time(calendar_spec(calendar_id), at, in_minutes(agreement.acknowledge_minutes))
            except NoBusinessTime:
                due_at = None
    return Handoff.objects.create(incident=incident, group_id=incident.assigned_group_id, handed_at=at, due_at=due_at)


def handoff_acknowledge(*, incident: Incident, at: datetime.datetime) -> Handoff | None:
    handoff = _current_handoff(incident)
    if handoff is None or handoff.acknowledged_at is not None:
        return handoff
    handoff.acknowledged_at = at
    handoff.met = handoff.due_at is None or at <= handoff.due_at
    handoff.save(update_fields=["acknowledged_at", "met"])
    return handoff


def handoff_end(*, incident: Incident, at: datetime.datetime) -> Handoff | None:
    """Taken back or passed on: an unacknowledged handoff past its due time counts as missed."""
    handoff = _current_handoff(incident)
    if handoff is None:
        return None
    handoff.ended_at = at
    if handoff.acknowledged_at is None and handoff.due_at is not None and at > handoff.due_at:
        handoff.met = False
    handoff.save(update_fields=["ended_at", "met"])
    return handoff


def _current_handoff(incident: Incident) -> Handoff | None:
    return (
        Handoff.objects.select_for_update()
        .filter(incident=incident, ended_at__isnull=True)
        .order_by("-handed_at", "-id")
        .first()
    )


def receipt_record(
    incident: Incident, *, by: AbstractBaseUser, at: datetime.datetime, via: str | None = None
) -> Activity:
    """The assigned group's receipt of a locked incident, saved and journaled: ``acknowledged_at``, the response
    of the service level, and the acknowledgement of the handoff. ``via`` names the first action that
    acknowledged it on the way (``"assign"``, ``"note"``…); ``None`` for the acknowledge step itself."""
    incident.acknowledged_at = at
    clock_respond(incident=incident, at=at)
    handoff_acknowledge(incident=incident, at=at)
    incident_save(incident, ["acknowledged_at"])
    return journal_write(
        incident,
        by=by,
        kind=ActivityKind.ACKNOWLEDGED,
        data={
            "acknowledged_at": [None, at.isoformat()],
            "group": incident.assigned_group.name,
            **({"via": via} if via else {}),
        },
        versioned=True,
    )


def acknowledge_first(incident: Incident, *, by: AbstractBaseUser, via: str) -> Activity | None:
    """A group member's first action on a handoff nobody acknowledged (taking it, assigning, a note, an update,
    resolving) acknowledges it first: the response is the group's first action, whatever it was."""
    waiting = incident.state == State.INVESTIGATING and incident.assigned_group_id and incident.acknowledged_at is None
    if not waiting or not may_work(incident, by):
        return None
    return receipt_record(incident, by=by, at=timezone.now(), via=via)
