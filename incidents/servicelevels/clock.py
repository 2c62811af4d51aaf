"""The service-level clock of an incident: started, recomputed, paused, resumed and stopped by the services of
the lifecycle and of recording, inside their transaction, on the incident they locked (decision record 0006).

A ``clock_*`` function sets the incident's service-level fields in memory and writes a ``ClockEvent`` (the
ledger is built from them); the service saves the incident once with its own change and journals what moved
(``clock_recompute`` returns it). The arithmetic is ``incidents.servicelevels.calendar``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from incidents.choices import OPEN_STATES
from incidents.models import (
    ClockEvent,
    ClockEventKind,
    Incident,
    ServiceLevel,
    ServiceLevelTarget,
)
from incidents.servicelevels import configuration
from incidents.servicelevels.calendar import (
    CalendarSpec,
    ClockMoment,
    ClockPosition,
    NoBusinessTime,
    calendar_spec,
    clock_position,
)

logger = logging.getLogger(__name__)

STAGE_NAMES = {1: "warning", 2: "breach", 3: "late_breach"}


def stage_percents() -> tuple[int, int, int]:
    """The thresholds of the three stages, in percent of a target: warning, breach, late escalation."""
    return (settings.SLA_WARNING_PERCENT, 100, settings.SLA_LATE_ESCALATION_PERCENT)


# --- what applies -------------------------------------------------------------------------------------


def service_level_for(service_id: int | None) -> ServiceLevel | None:
    """The service level covering the service, else the default one, as the configuration stands now
    (``configuration.current``: one query while it is unchanged)."""
    return configuration.current().service_level_for(service_id)


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


def clock_start(
    *, incident: Incident, now: datetime.datetime | None = None, config: configuration.Configuration | None = None
) -> None:
    """Before a new incident is first saved: its service level and due times, the clock running from
    ``reported_at``, from the process's cached ``config`` (read now if not given: one query).
    ``clock_started`` writes the event once the incident has its id."""
    now = now or timezone.now()
    config = config or configuration.current()
    incident.service_level = config.service_level_for(incident.service_id)
    # Copies: a ClockCache fills itself, and the configuration is shared by the whole process.
    cache = ClockCache(specs=dict(config.specs), targets=dict(config.targets))
    clock = load_clock(incident, cache=cache, events=[])
    clock.events.append(ClockMoment(incident.reported_at, ClockEventKind.STARTED))
    _set_due_times(incident, clock, now=now, keep_stages=False)


def clock_started(*, incident: Incident) -> ClockEvent:
    """The first event of the clock of a newly saved incident (``clock_start`` came before the save)."""
    return clock_event(incident, incident.reported_at, ClockEventKind.STARTED, data=_applied(incident))


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
    clock_event(incident, now, ClockEventKind.RECOMPUTED, reason=reason, data={**_applied(incident), **changes})
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
    clock_event(incident, at, ClockEventKind.STOPPED, data={"met": incident.resolution_met})


def _respond(incident: Incident, clock: Clock, at: datetime.datetime) -> None:
    incident.responded_at = at
    if clock.usable:
        used = clock.position().used(clock.spec, at)
        incident.response_met = used <= datetime.timedelta(minutes=clock.minutes("response"))
    clock_event(incident, at, ClockEventKind.RESPONDED, data={"met": incident.response_met})
    clock.events.append(ClockMoment(at, ClockEventKind.RESPONDED))
    set_next_check(incident, clock, now=at)


def clock_restart(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    """A reopening: the resolution clock runs on from where it stopped; the resolution is to be met again."""
    incident.resolution_met = None
    clock_event(incident, at, ClockEventKind.RESUMED, reason=reason, data={"via": "reopen"})
    _set_due_times(incident, load_clock(incident), now=at, keep_stages=True)


def clock_pause(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    incident.awaiting_caller_since, incident.awaiting_caller_reason = at, reason
    clock_event(incident, at, ClockEventKind.PAUSED, reason=reason)
    # Due times move while paused; they are computed again on resuming, and nothing is swept meanwhile.
    incident.sla_next_check_at = None


def clock_resume(*, incident: Incident, at: datetime.datetime, reason: str) -> None:
    incident.awaiting_caller_since, incident.awaiting_caller_reason = None, ""
    clock_event(incident, at, ClockEventKind.RESUMED, reason=reason)
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
        # A target used up before a pause has no moment ahead: its due time stays where it was missed.
        if incident.responded_at is None:
            due = position.moment_at(clock.spec, in_minutes(clock.minutes("response")))
            incident.response_due_at = due or incident.response_due_at
        due = position.moment_at(clock.spec, in_minutes(clock.minutes("resolution")))
        incident.resolution_due_at = due or incident.resolution_due_at
    except NoBusinessTime:
        logger.warning("The calendar of %s has no working time: no due times.", incident.service_level)
        incident.response_due_at = incident.resolution_due_at = incident.sla_next_check_at = None
        return
    used = position.used(clock.spec, now)
    for target in ("response", "resolution"):
        passed = stages_passed(used, clock.minutes(target))
        name = f"{target}_warning_stage"
        setattr(incident, name, min(getattr(incident, name), passed) if keep_stages else 0)
    set_next_check(incident, clock, now=now, position=position)


def set_next_check(
    incident: Incident, clock: Clock, *, now: datetime.datetime, position: ClockPosition | None = None
) -> None:
    """The first moment a stage not yet sent is reached; ``None`` when nothing is left to watch."""
    if not clock.usable or incident.awaiting_caller_since is not None:
        incident.sla_next_check_at = None
        return
    position = position or clock.position()
    moments = []
    for target in watched_targets(incident):
        stage = getattr(incident, f"{target}_warning_stage")
        if stage < len(STAGE_NAMES):
            used = in_minutes(clock.minutes(target)) * stage_percents()[stage] / 100
            moment = position.moment_at(clock.spec, used) if used >= position.used_before else now
            if moment is not None:
                moments.append(moment)
    incident.sla_next_check_at = min(moments) if moments else None


def watched_targets(incident: Incident) -> list[str]:
    targets = [] if incident.responded_at is not None else ["response"]
    return [*targets, "resolution"] if incident.state in OPEN_STATES else targets


def stages_passed(used: datetime.timedelta, minutes: int) -> int:
    return sum(used >= in_minutes(minutes) * percent / 100 for percent in stage_percents())


def in_minutes(minutes: float) -> datetime.timedelta:
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


def clock_event(
    incident: Incident, at: datetime.datetime, kind: str, *, reason: str = "", data: dict[str, Any] | None = None
) -> ClockEvent:
    return ClockEvent.objects.create(incident=incident, at=at, kind=kind, reason=reason, data=data or {})
