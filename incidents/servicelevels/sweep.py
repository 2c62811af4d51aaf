"""The service-level sweep (beat, every minute): warns and escalates what is due, flags handoffs not
acknowledged in time, and recomputes the due times of a calendar's incidents. Decision record 0006."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import OPEN_STATES, ActivityKind
from incidents.core.writes import Mailed, incident_lock, incident_save, journal_mailed, journal_write
from incidents.mail import staff
from incidents.mail.bell import notify_staff
from incidents.mail.messages import write_mails
from incidents.models import ClockEvent, Handoff, Incident, OutboxMessage
from incidents.servicelevels.calendar import ClockMoment
from incidents.servicelevels.clock import (
    STAGE_NAMES,
    ClockCache,
    clock_moments,
    clock_recompute,
    load_clock,
    set_next_check,
    stages_passed,
    watched_targets,
)

logger = logging.getLogger(__name__)

SWEEP_BATCH = 200


def sla_sweep(*, now: datetime.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Warn and escalate what is due: incidents whose next check has passed, read through the partial index
    ``incidents_sla_due``, in batches each in a transaction of its own; then overdue handoffs.

    Rows another sweep holds are skipped (``skip_locked``): it does them. Each incident's stage advances
    under its row lock and its next check moves past ``now``, so a second sweep finds nothing to send.
    Returns the number of incidents and handoffs looked at.
    """
    now = now or timezone.now()
    cache = ClockCache()
    done = 0
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            rows = list(
                due_incidents(now)
                .exclude(pk__in=seen)
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("service_level", "assigned_group", "desk_owner")
                .order_by("sla_next_check_at", "pk")[:batch]
            )
            events: dict[int, list[ClockEvent]] = defaultdict(list)
            for event in ClockEvent.objects.filter(incident__in=rows).order_by("at", "id"):
                events[event.incident_id].append(event)
            for incident in rows:
                seen.add(incident.pk)
                try:
                    with transaction.atomic():
                        incident_sla_check(
                            incident=incident, now=now, cache=cache, events=clock_moments(events[incident.pk])
                        )
                except Exception:
                    logger.exception("The service-level check of %s failed; the next sweep tries again.", incident)
        done += len(rows)
        if len(rows) < batch:
            break
    return done + handoffs_sweep(now=now)


def due_incidents(now: datetime.datetime):
    """The incidents the sweep must look at: the predicate of the partial index ``incidents_sla_due``."""
    return Incident.objects.filter(state__in=OPEN_STATES, sla_next_check_at__isnull=False, sla_next_check_at__lte=now)


def incident_sla_check(
    *,
    incident: Incident,
    now: datetime.datetime,
    cache: ClockCache | None = None,
    events: list[ClockMoment] | None = None,
) -> list[tuple[str, str]]:
    """Send the stages the incident reached (on a row the caller locked) and set its next check; ``cache``
    and ``events`` as for ``load_clock``.

    Returns the ``(target, stage)`` pairs sent.
    """
    clock = load_clock(incident, cache=cache, events=events)
    sent: list[tuple[str, str]] = []
    if clock.usable and incident.awaiting_caller_since is None:
        used = clock.position().used(clock.spec, now)
        for target in watched_targets(incident):
            name = f"{target}_warning_stage"
            passed = stages_passed(used, clock.minutes(target))
            if passed > getattr(incident, name):
                setattr(incident, name, passed)
                sla_notify(incident=incident, target=target, stage=STAGE_NAMES[passed])
                sent.append((target, STAGE_NAMES[passed]))
    set_next_check(incident, clock, now=now)
    if incident.sla_next_check_at is not None and incident.sla_next_check_at <= now:
        # Never leave a row due: it would be read again at once. A minute later is the sweep's pace.
        incident.sla_next_check_at = now + datetime.timedelta(minutes=1)
    # The sweep's bookkeeping, not a change of the incident: the version stays, so no open form goes stale.
    incident.save(update_fields=["response_warning_stage", "resolution_warning_stage", "sla_next_check_at"])
    return sent


def sla_notify(*, incident: Incident, target: str, stage: str) -> list[OutboxMessage]:
    """Write a service-level stage's mails, bell and journal entry; nothing when it was written before."""
    users, addresses = staff.sla_recipients(incident, stage=stage)
    outgoing = staff.sla_mails(incident, target, stage, addresses)
    written = write_mails(incident, outgoing)
    if outgoing and not written:
        return []  # this stage of this due time was notified already
    _target_label, stage_label = staff.sla_labels(target, stage)
    notify_staff(users=users, incident=incident, kind=f"sla_{stage}", text=f"{incident.number}: {stage_label}")
    text = stage_label if addresses else _("%(what)s; nobody to mail.") % {"what": stage_label}
    subject = outgoing[0].subject if outgoing else ""
    journal_mailed(incident, Mailed(addresses, subject, notice=f"sla_{stage}", text=text, details={"target": target}))
    return written


def handoffs_sweep(*, now: datetime.datetime) -> int:
    """Flag each handoff not acknowledged by its due time, once: to the desk owner and the group's manager."""
    with transaction.atomic():
        handoffs = list(
            Handoff.objects.filter(
                acknowledged_at__isnull=True, ended_at__isnull=True, overdue_flagged_at__isnull=True, due_at__lte=now
            )
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("incident__desk_owner", "group__manager")
            .order_by("due_at", "pk")[:SWEEP_BATCH]
        )
        for handoff in handoffs:
            handoff.overdue_flagged_at = now
            handoff.met = False
            handoff.save(update_fields=["overdue_flagged_at", "met"])
            journal_mailed(handoff.incident, staff.handoff_overdue(handoff))
    return len(handoffs)


def incidents_recompute_for_calendar(*, calendar_id: int, now: datetime.datetime | None = None) -> int:
    """A calendar changed: compute the due times of the open incidents under it again, each under its lock
    in a transaction of its own (in id order, as every writer of incidents). Returns how many moved."""
    now = now or timezone.now()
    ids = list(
        Incident.objects.filter(state__in=OPEN_STATES, service_level__calendar_id=calendar_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    moved = 0
    reason = _("The business calendar changed.")
    cache = ClockCache()  # the calendar and the targets are read once for all its incidents
    for incident_id in ids:
        with transaction.atomic():
            incident = incident_lock(incident_id)
            changes = clock_recompute(incident=incident, reason=reason, now=now, cache=cache)
            if changes:
                incident_save(incident, [])
                journal_write(
                    incident,
                    by=None,
                    kind=ActivityKind.FIELD_CHANGED,
                    text=reason,
                    data={"step": "sla_recompute", **changes},
                    versioned=True,
                )
                moved += 1
    return moved
