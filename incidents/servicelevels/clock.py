"""The service-level clock of incidents: started, recomputed, paused, resumed and stopped by the lifecycle's
services, and the periodic sweep that warns and escalates before and after a target is missed.

The functions named ``clock_*`` run inside the transaction of the service that calls them, on an incident
that service has locked: they set the incident's service-level fields (``SLA_FIELDS``) in memory and write
a ``ClockEvent`` (the ledger is built from them). The service saves the incident once with its own change
(so the history has one row per step) and journals what moved in its own entry (``clock_recompute``
returns it). The arithmetic is ``incidents.service_levels``.

Decisions written down here:
- The clock starts when the call came in (``reported_at``), under the service level of the incident's
  service (its coverage, else the default); an incident with no applicable service level or target has no
  due times and is never swept.
- Response and resolution run on one clock: both pause while the incident waits on the caller. The
  response stops at the first acknowledgement by a group, or at the resolution if no group ever
  acknowledged; it is recorded once, and a reopening does not restart it.
- Met or missed is decided by the business time used against the target (the ledger's total), at the
  moment it happens; so a pause that began before a due time and ended after it is not a breach.
- A reopening resumes the resolution clock where it stopped (the days the incident sat resolved do not
  count) and clears ``resolution_met`` until the next resolution.
- A recomputation (priority, service or calendar changed) keeps the business time already used and takes
  the new target from there. The warning stages are kept only as far as the new target is really used, so
  a lowered priority can warn again for its new, later due time; a raised one is caught by the next sweep.
- The sweep sends only the highest stage passed since it last looked: after an outage it says "breached",
  not "75%" and then "breached". Each stage is sent once per due time (``dedupe`` keys in the outbox).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import OPEN_STATES, ActivityKind
from incidents.mail import notifications
from incidents.models import (
    Activity,
    ClockEvent,
    ClockEventKind,
    GroupAgreement,
    Handoff,
    Incident,
    ServiceLevel,
    ServiceLevelTarget,
)
from incidents.servicelevels.calendar import (
    CalendarSpec,
    ClockMoment,
    ClockPosition,
    NoBusinessTime,
    Stretch,
    add_business_time,
    calendar_spec,
    clock_position,
    ledger,
    ledger_total,
)

logger = logging.getLogger(__name__)

SLA_FIELDS = ["service_level", "response_due_at", "resolution_due_at", "responded_at", "response_met",
              "resolution_met", "awaiting_caller_since", "awaiting_caller_reason", "sla_next_check_at",
              "response_warning_stage", "resolution_warning_stage"]  # fmt: skip
STAGE_NAMES = {1: "warning", 2: "breach", 3: "late_breach"}
SWEEP_BATCH = 200


def stage_percents() -> tuple[int, int, int]:
    """The thresholds of the three stages, in percent of a target: warning, breach, late escalation."""
    return (settings.SLA_WARNING_PERCENT, 100, settings.SLA_LATE_ESCALATION_PERCENT)


# --- what applies -------------------------------------------------------------------------------------


def service_level_for(service_id: int | None) -> ServiceLevel | None:
    """The service level covering the service, else the default one (one query)."""
    condition = Q(is_default=True)
    if service_id is not None:
        condition |= Q(coverage__service_id=service_id)
    levels = list(ServiceLevel.objects.filter(condition).distinct())
    covering = [level for level in levels if not level.is_default] or levels
    return covering[0] if covering else None


@dataclass
class ClockCache:
    """What the clocks of many incidents share, each read once: calendars by id, targets by service level
    and priority. A sweep or a recomputation keeps one for all its incidents."""

    specs: dict[int, CalendarSpec] = field(default_factory=dict)
    targets: dict[tuple[int, int], ServiceLevelTarget | None] = field(default_factory=dict)

    def spec(self, calendar_id: int) -> CalendarSpec:
        if calendar_id not in self.specs:
            self.specs[calendar_id] = calendar_spec(calendar_id)
        return self.specs[calendar_id]

    def target(self, level: ServiceLevel, priority: int) -> ServiceLevelTarget | None:
        key = (level.pk, priority)
        if key not in self.targets:
            self.targets[key] = ServiceLevelTarget.objects.filter(service_level=level, priority=priority).first()
        return self.targets[key]


@dataclass
class Clock:
    """What an incident's clock needs, loaded once: the calendar, the target and the events so far."""

    spec: CalendarSpec | None
    target: ServiceLevelTarget | None
    events: list[ClockMoment]

    @property
    def usable(self) -> bool:
        return self.spec is not None and self.target is not None and self.spec.has_working_time

    def position(self) -> ClockPosition:
        assert self.spec is not None  # noqa: S101 (callers check usable)
        return clock_position(self.spec, self.events)

    def minutes(self, target: str) -> int:
        assert self.target is not None  # noqa: S101
        return self.target.response_minutes if target == "response" else self.target.resolution_minutes


def load_clock(
    incident: Incident, *, cache: ClockCache | None = None, events: list[ClockMoment] | None = None
) -> Clock:
    """The calendar and target of the incident's service level and its clock events (up to three queries,
    fewer with a ``cache`` shared across incidents or the ``events`` read already)."""
    level = incident.service_level
    if level is None:
        return Clock(None, None, [])
    cache = cache or ClockCache()
    if events is None:
        events = clock_moments(ClockEvent.objects.filter(incident=incident).order_by("at", "id"))
    return Clock(cache.spec(level.calendar_id), cache.target(level, incident.priority), events)


def clock_moments(events: Iterable[ClockEvent]) -> list[ClockMoment]:
    return [ClockMoment(at=event.at, kind=event.kind, reason=event.reason) for event in events]


# --- the clock ----------------------------------------------------------------------------------------


def clock_start(*, incident: Incident, now: datetime.datetime | None = None) -> None:
    """Before a new incident is first saved: its service level and due times, the clock running from
    ``reported_at``. ``clock_started`` writes the event once the incident has its id."""
    now = now or timezone.now()
    incident.service_level = service_level_for(incident.service_id)
    clock = _unsaved_clock(incident)
    clock.events.append(ClockMoment(incident.reported_at, ClockEventKind.STARTED))
    _set_due_times(incident, clock, now=now, keep_stages=False)


def clock_started(*, incident: Incident) -> ClockEvent:
    """The first event of the clock of a newly saved incident (``clock_start`` came before the save)."""
    return _event(incident, incident.reported_at, ClockEventKind.STARTED, data=_applied(incident))


def _unsaved_clock(incident: Incident) -> Clock:
    return load_clock(incident, events=[])


def clock_recompute(
    *,
    incident: Incident,
    reason: str,
    now: datetime.datetime | None = None,
    cache: ClockCache | None = None,
) -> dict[str, list[Any]]:
    """The priority, the service or the calendar changed: take the service level and target that apply now
    and compute the due times again from the business time already used (a ``recomputed`` clock event).

    Returns ``{"field": [old, new]}`` for the caller's journal entry (empty: nothing moved). Closed and
    resolved incidents keep the figures they had.
    """
    now = now or timezone.now()
    if incident.state not in OPEN_STATES:
        return {}
    before = _sla_values(incident)
    incident.service_level = service_level_for(incident.service_id)
    clock = load_clock(incident, cache=cache)
    _set_due_times(incident, clock, now=now, keep_stages=True)
    changes = {name: [before[name], value] for name, value in _sla_values(incident).items() if before[name] != value}
    changes.pop("priority", None)  # the step's own entry says it
    if not changes:
        return {}
    _event(incident, now, ClockEventKind.RECOMPUTED, reason=reason, data={**_applied(incident), **changes})
    return changes


def clock_respond(*, incident: Incident, at: datetime.datetime) -> None:
    """The first response (a group's acknowledgement, or the resolution): recorded once, met or missed now."""
    if incident.responded_at is None:
        _respond(incident, load_clock(incident), at)


def clock_stop(*, incident: Incident, at: datetime.datetime) -> None:
    """The incident is resolved: the response if none yet, then the resolution, met or missed now."""
    clock = load_clock(incident)
    if incident.responded_at is None:
        _respond(incident, clock, at)
    if clock.usable:
        used = clock.position().used(clock.spec, at)
        incident.resolution_met = used <= datetime.timedelta(minutes=clock.minutes("resolution"))
    incident.awaiting_caller_since, incident.awaiting_caller_reason = None, ""
    incident.sla_next_check_at = None
    _event(incident, at, ClockEventKind.STOPPED, data={"met": incident.resolution_met})


def _respond(incident: Incident, clock: Clock, at: datetime.datetime) -> None:
    incident.responded_at = at
    if clock.usable:
        used = clock.position().used(clock.spec, at)
        incident.response_met = used <= datetime.timedelta(minutes=clock.minutes("response"))
    _event(incident, at, ClockEventKind.RESPONDED, data={"met": incident.response_met})
    clock.events.append(ClockMoment(at, ClockEventKind.RESPONDED))
    _set_next_check(incident, clock, now=at)


def clock_restart(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    """A reopening: the resolution clock runs on from where it stopped; the resolution is to be met again."""
    incident.resolution_met = None
    _event(incident, at, ClockEventKind.RESUMED, reason=reason, data={"via": "reopen"})
    _set_due_times(incident, load_clock(incident), now=at, keep_stages=True)


def clock_pause(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    incident.awaiting_caller_since, incident.awaiting_caller_reason = at, reason
    _event(incident, at, ClockEventKind.PAUSED, reason=reason)
    # Due times move while paused; they are computed again on resuming, and nothing is swept meanwhile.
    incident.sla_next_check_at = None


def clock_resume(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    incident.awaiting_caller_since, incident.awaiting_caller_reason = None, ""
    _event(incident, at, ClockEventKind.RESUMED, reason=reason)
    _set_due_times(incident, load_clock(incident), now=at, keep_stages=True)


def _set_due_times(incident: Incident, clock: Clock, *, now: datetime.datetime, keep_stages: bool) -> None:
    if not clock.usable:
        incident.response_due_at = incident.resolution_due_at = incident.sla_next_check_at = None
        return
    position = clock.position()
    if position.running_since is None:  # paused or stopped: the due times stay as they were
        incident.sla_next_check_at = None
        return
    try:
        if incident.responded_at is None:
            incident.response_due_at = position.moment_at(clock.spec, _minutes(clock.minutes("response")))
        incident.resolution_due_at = position.moment_at(clock.spec, _minutes(clock.minutes("resolution")))
    except NoBusinessTime:
        logger.warning("The calendar of %s has no working time: no due times.", incident.service_level)
        incident.response_due_at = incident.resolution_due_at = incident.sla_next_check_at = None
        return
    used = position.used(clock.spec, now)
    for target in ("response", "resolution"):
        passed = _stages_passed(used, clock.minutes(target))
        name = f"{target}_warning_stage"
        setattr(incident, name, min(getattr(incident, name), passed) if keep_stages else 0)
    _set_next_check(incident, clock, now=now, position=position)


def _set_next_check(
    incident: Incident, clock: Clock, *, now: datetime.datetime, position: ClockPosition | None = None
) -> None:
    """The first moment a stage not yet sent is reached; ``None`` when nothing is left to watch."""
    if not clock.usable or incident.awaiting_caller_since is not None:
        incident.sla_next_check_at = None
        return
    position = position or clock.position()
    moments = []
    for target in _watched(incident):
        stage = getattr(incident, f"{target}_warning_stage")
        if stage < len(STAGE_NAMES):
            used = _minutes(clock.minutes(target)) * stage_percents()[stage] / 100
            moment = position.moment_at(clock.spec, used) if used >= position.used_before else now
            if moment is not None:
                moments.append(moment)
    incident.sla_next_check_at = min(moments) if moments else None


def _watched(incident: Incident) -> list[str]:
    targets = [] if incident.responded_at is not None else ["response"]
    return [*targets, "resolution"] if incident.state in OPEN_STATES else targets


def _stages_passed(used: datetime.timedelta, minutes: int) -> int:
    return sum(used >= _minutes(minutes) * percent / 100 for percent in stage_percents())


def _minutes(minutes: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes)


def _applied(incident: Incident) -> dict[str, Any]:
    level = incident.service_level
    return {
        "service_level": level.name if level else None,
        "calendar_id": level.calendar_id if level else None,
        "priority": incident.priority,
    }


def _sla_values(incident: Incident) -> dict[str, Any]:
    level = incident.service_level
    return {
        "service_level": level.name if level else None,
        "priority": incident.priority,
        "response_due_at": incident.response_due_at.isoformat() if incident.response_due_at else None,
        "resolution_due_at": incident.resolution_due_at.isoformat() if incident.resolution_due_at else None,
    }


def _event(
    incident: Incident, at: datetime.datetime, kind: str, *, reason: str = "", data: dict[str, Any] | None = None
) -> ClockEvent:
    return ClockEvent.objects.create(incident=incident, at=at, kind=kind, reason=reason, data=data or {})


def _journal(incident: Incident, *, by: AbstractBaseUser | None, text: str, data: dict[str, Any]) -> Activity:
    return Activity.objects.create(
        incident=incident,
        kind=ActivityKind.FIELD_CHANGED,
        author=by,
        text=text,
        data=data,
        incident_version=incident.version,
    )


# --- handoffs (operational level agreements) ----------------------------------------------------------


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
                due_at = add_business_time(calendar_spec(calendar_id), at, _minutes(agreement.acknowledge_minutes))
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


# --- the sweep ----------------------------------------------------------------------------------------


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
        for target in _watched(incident):
            name = f"{target}_warning_stage"
            passed = _stages_passed(used, clock.minutes(target))
            if passed > getattr(incident, name):
                setattr(incident, name, passed)
                notifications.sla_notify(incident=incident, target=target, stage=STAGE_NAMES[passed])
                sent.append((target, STAGE_NAMES[passed]))
    _set_next_check(incident, clock, now=now)
    if incident.sla_next_check_at is not None and incident.sla_next_check_at <= now:
        # Never leave a row due: it would be read again at once. A minute later is the sweep's pace.
        incident.sla_next_check_at = now + datetime.timedelta(minutes=1)
    incident.save(update_fields=["response_warning_stage", "resolution_warning_stage", "sla_next_check_at"])
    return sent


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
            _flag_handoff(handoff)
    return len(handoffs)


def _flag_handoff(handoff: Handoff) -> None:
    incident, group = handoff.incident, handoff.group
    users = [user for user in (incident.desk_owner, group.manager) if user is not None]
    text = _("%(number)s: %(group)s has not acknowledged it in time (due %(due)s).") % {
        "number": incident.number,
        "group": group.name,
        "due": timezone.localtime(handoff.due_at).strftime("%d %b %H:%M"),
    }
    notifications.notify_staff(users=users, incident=incident, kind="handoff_overdue", text=text)
    addresses = sorted({user.email for user in users if user.email and user.is_active})
    outgoing = notifications.mails(
        kind="handoff_overdue",
        recipients=addresses,
        subject=notifications.subject_for(incident, _("Not acknowledged in time by %(group)s") % {"group": group.name}),
        template="sla_handoff_overdue",
        context={"incident": incident, "group": group, "due_at": handoff.due_at, "text": text},
        dedupe=f"handoff:{handoff.pk}:overdue",
    )
    notifications.write_mails(incident, outgoing)
    notifications.journal_notification(
        incident, notice="handoff_overdue", text=text, recipients=addresses, group=group.name
    )


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
            incident = (
                Incident.objects.select_for_update(of=("self",))
                .select_related("service_level")
                .defer("search_vector")
                .get(pk=incident_id)
            )
            changes = clock_recompute(incident=incident, reason=reason, now=now, cache=cache)
            if changes:
                incident.version += 1
                incident.save(update_fields=[*SLA_FIELDS, "version", "updated_at"])
                _journal(incident, by=None, text=reason, data={"step": "sla_recompute", **changes})
                moved += 1
    return moved


# --- the ledger (the incident page) -------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLedger:
    """One target's ledger: the stretches of its clock up to its end, what they add up to, and the outcome."""

    target: str
    label: str
    minutes: int | None
    due_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    met: bool | None
    stretches: list[Stretch]
    used: datetime.timedelta

    @property
    def used_minutes(self) -> int:
        return int(self.used.total_seconds() // 60)

    @property
    def percent(self) -> int | None:
        return round(100 * self.used_minutes / self.minutes) if self.minutes else None


def incident_ledgers(
    incident: Incident, *, now: datetime.datetime | None = None
) -> tuple[CalendarSpec | None, list[TargetLedger]]:
    """The calendar that applies and the response and resolution ledgers of an incident (three queries)."""
    now = now or timezone.now()
    clock = load_clock(incident)
    if clock.spec is None:
        return None, []
    resolved_at = next((event.at for event in reversed(clock.events) if event.kind == "stopped"), None)
    if incident.state in OPEN_STATES:
        resolved_at = None
    ledgers = []
    for target, label, ended_at, due_at, met in (
        ("response", _("Response"), incident.responded_at, incident.response_due_at, incident.response_met),
        ("resolution", _("Resolution"), resolved_at, incident.resolution_due_at, incident.resolution_met),
    ):
        stretches = ledger(clock.spec, clock.events, end=min(ended_at or now, now))
        ledgers.append(
            TargetLedger(
                target=target,
                label=label,
                minutes=clock.minutes(target) if clock.target else None,
                due_at=due_at,
                ended_at=ended_at,
                met=met,
                stretches=stretches,
                used=ledger_total(stretches),
            )
        )
    return clock.spec, ledgers
