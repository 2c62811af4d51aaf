"""The rest of the demo's story (``incidents.demo``): what the queues, the desk's work list and the dashboard show.

``plan_story`` shapes the planned incidents (a rejected fix, confirmations, handoffs waiting, waits on the
caller, a re-evaluation request); ``load_story`` writes their service-level clocks, handoffs, notifications and
saved filters as the services would have. The story is told in incidents/demo/data/lifecycle.toml and
docs/decisions/0015-demo-data-as-data.md.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cmdb.choices import SupportTier
from cmdb.models import SupportGroup
from incidents.choices import OPEN_STATES, ActivityKind, Priority, State
from incidents.core.values import when
from incidents.demo.records import LIFECYCLE
from incidents.lifecycle import notices
from incidents.mail import messages, staff
from incidents.models import (
    Activity,
    ClockEvent,
    ClockEventKind,
    GroupAgreement,
    Handoff,
    Reevaluation,
    SavedFilter,
    ServiceLevel,
    ServiceLevelTarget,
    StaffNotification,
)
from incidents.servicelevels.calendar import (
    CalendarSpec,
    ClockMoment,
    add_business_time,
    business_time_between,
    calendar_spec,
    clock_position,
)
from incidents.servicelevels.clock import STAGE_NAMES, service_level_for, stage_percents
from servicedesk.roles import Role

if TYPE_CHECKING:
    from incidents.demo.plan import Directory, Planned

MINUTE, HOUR = datetime.timedelta(minutes=1), datetime.timedelta(hours=1)
# The steps of the story this module writes the journal entries of (the others are ``incidents.demo``'s).
STEPS = {"notify", "inform", "reopen", "await_caller", "confirm"}
ACKNOWLEDGE_MINUTES = {SupportTier.SECOND_LINE: 60, SupportTier.THIRD_LINE: 120}
UNREAD = 5  # the newest notifications of each demo user are unread


# --- the plan -----------------------------------------------------------------------------------------


def plan_story(plan: list[Planned], now: datetime.datetime, directory: Directory, rng: random.Random) -> None:
    """Shape the open and resolved incidents of the plan into the story (lifecycle.toml); every moment in the past."""
    for planned in plan:
        if planned.reopen and planned.resolved_at is not None:
            _reopen(planned, now, rng)
    resolved = sorted((p for p in plan if p.state == State.RESOLVED), key=lambda p: p.resolved_at)
    for planned in resolved[: len(resolved) // 2]:
        planned.confirmed_at = planned.resolved_at + (now - planned.resolved_at) * rng.uniform(0.2, 0.6)
        planned.satisfaction = rng.choice(LIFECYCLE.confirm_ratings)
        planned.satisfaction_comment = rng.choice(LIFECYCLE.confirm_comments)
    reasons, asked = iter(LIFECYCLE.awaiting_reasons), False
    for group in sorted(directory.members):
        work = sorted(
            (p for p in plan if p.state == State.INVESTIGATING and p.escalated_at and p.topic.group == group),
            key=lambda p: p.reported_at,
            reverse=True,
        )
        if not work:
            continue
        # Handed over minutes ago: the group has not acknowledged it yet, and its handoff waits.
        work[0].escalated_at = max(work[0].classified_at + 2 * MINUTE, now - rng.randint(8, 35) * MINUTE)
        work[0].acknowledged_at = None
        if len(work) > 1:
            acknowledged = _acknowledge(work[1], now, rng)
            work[1].awaiting_since = _between(acknowledged + 2 * MINUTE, now - MINUTE, rng, 0.5, 0.85)
            work[1].awaiting_reason = next(reasons)
        if not asked and len(work) > 2:  # one group asks the desk to re-evaluate
            asked = True
            acknowledged = _acknowledge(work[2], now, rng)
            impact, urgency = work[2].impact, work[2].urgency
            proposed = (impact - 1, urgency) if impact > 1 else (impact, max(urgency - 1, 1))
            requested = _between(acknowledged + 2 * MINUTE, now - MINUTE, rng, 0.3, 0.6)
            work[2].reevaluation = (requested, LIFECYCLE.reevaluation_reason, *proposed)
    # A group without a demo member has let one sit unacknowledged: its handoff is flagged overdue.
    held = [p for p in plan if p.state == State.INVESTIGATING and p.escalated_at and not p.serious]
    others = [p for p in held if p.topic.group not in directory.members]
    if others:
        min(others, key=lambda p: p.escalated_at).acknowledged_at = None
    waiting_desk = [p for p in plan if p.state == State.CLASSIFIED and p.master is None and p.topic.key != "vpn_auth"]
    if waiting_desk:
        planned = waiting_desk[0]
        planned.awaiting_since = _between(planned.classified_at + MINUTE, now - MINUTE, rng, 0.3, 0.6)
        planned.awaiting_reason = next(reasons)


def _reopen(planned: Planned, now: datetime.datetime, rng: random.Random) -> None:
    """The first-line fix, then the caller's "it does not work" through the link, hours later."""
    assert planned.classified_at is not None  # noqa: S101 - resolved incidents were classified
    first = max(min(planned.resolved_at, now - 3 * HOUR), planned.classified_at + 10 * MINUTE)
    planned.first_resolved_at = first
    planned.reopened_at = _between(first + MINUTE, now - 20 * MINUTE, rng, 0.3, 0.7)
    planned.resolved_at = planned.closed_at = None
    planned.state = State.INVESTIGATING


def _acknowledge(planned: Planned, now: datetime.datetime, rng: random.Random) -> datetime.datetime:
    if planned.acknowledged_at is None:
        escalated = planned.escalated_at
        planned.acknowledged_at = min(escalated + rng.randint(5, 40) * MINUTE, escalated + (now - escalated) / 2)
    return planned.acknowledged_at


def _between(
    start: datetime.datetime, end: datetime.datetime, rng: random.Random, low: float, high: float
) -> datetime.datetime:
    return start + max(end - start, datetime.timedelta(0)) * rng.uniform(low, high)


def step_entry(
    planned: Planned, step: str, moment: datetime.datetime, *, operator_id: int, worker_id: int | None
) -> tuple[str, int | None, str, dict[str, object]]:
    """Kind, author, text and details of a story step's journal entry, as the services write it."""
    incident = planned.incident
    if step == "notify":
        subject = messages.subject_for(incident, _("Serious incident"))
        data = {"notice": "management", "recipients": staff.management_recipients(incident), "subject": subject}
        return ActivityKind.NOTIFICATION, operator_id, _("Management notified."), data
    if step == "inform":
        subject, body = notices.prepared_user_message(incident)
        data = {"notice": "users", "recipients": notices.affected_user_recipients(incident), "subject": subject}
        return ActivityKind.NOTIFICATION, operator_id, body, data
    if step == "reopen":
        data = {
            "step": "reopen", "via": "caller_link", "state": ["resolved", "investigating"],
            "resolved_at": [planned.first_resolved_at.isoformat(), None],
            "resolution_code": [planned.resolution_code, ""], "resolution_notes": [planned.resolution_notes, ""],
            "assigned_group": None,
        }  # fmt: skip
        return ActivityKind.STATE_CHANGED, None, LIFECYCLE.reopen_reason, data
    if step == "await_caller":
        data = {"step": "await_caller", "awaiting_caller_since": [None, moment.isoformat()]}
        return ActivityKind.FIELD_CHANGED, worker_id or operator_id, planned.awaiting_reason, data
    # "confirm": through the caller's link, with no author.
    data = {
        "via": "caller_link",
        "resolved_at": planned.resolved_at.isoformat(),
        "confirmed_at": [None, moment.isoformat()],
        "satisfaction": [None, planned.satisfaction],
    }
    if planned.satisfaction_comment:
        data["satisfaction_comment"] = ["", planned.satisfaction_comment]
    return ActivityKind.CONFIRMED, None, planned.satisfaction_comment, data


# --- service levels -------------------------------------------------------------------------------------


@dataclass
class Clock:
    """An incident's service-level fields, its clock events and the warning stages it reached, with when."""

    fields: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[datetime.datetime, str, str, dict[str, Any]]] = field(default_factory=list)
    stages: list[tuple[str, str, datetime.datetime]] = field(default_factory=list)


class ServiceLevels:
    """The service levels, calendars and targets the demo's incidents fall under, each loaded once."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.levels: dict[int | None, ServiceLevel | None] = {}
        self.specs: dict[int, CalendarSpec] = {}
        self.targets: dict[tuple[int, int], ServiceLevelTarget] = {
            (target.service_level_id, target.priority): target for target in ServiceLevelTarget.objects.all()
        }

    def level(self, service_id: int | None) -> ServiceLevel | None:
        if service_id not in self.levels:
            self.levels[service_id] = service_level_for(service_id)
        return self.levels[service_id]

    def spec(self, calendar_id: int) -> CalendarSpec:
        if calendar_id not in self.specs:
            self.specs[calendar_id] = calendar_spec(calendar_id)
        return self.specs[calendar_id]

    def default_calendar(self) -> CalendarSpec | None:
        level = self.level(None)
        return self.spec(level.calendar_id) if level else None

    def clock(self, planned: Planned, service_id: int | None, priority: int) -> Clock:
        """As ``incidents.sla`` would have kept it, step by step, up to now."""
        level = self.level(service_id)
        if level is None:
            return Clock()
        spec, target = self.spec(level.calendar_id), self.targets.get((level.pk, priority))
        clock = Clock(fields={"service_level_id": level.pk})
        applied = {"service_level": level.name, "calendar_id": level.calendar_id, "priority": priority}
        reported = planned.reported_at
        clock.events.append((reported, ClockEventKind.STARTED, "", applied))
        if target is None or not spec.has_working_time:
            return clock
        response = datetime.timedelta(minutes=target.response_minutes)
        resolution = datetime.timedelta(minutes=target.resolution_minutes)
        responded = planned.acknowledged_at or planned.first_resolved_at or planned.resolved_at
        response_met = None
        if responded is not None:
            response_met = business_time_between(spec, reported, responded) <= response
            clock.events.append((responded, ClockEventKind.RESPONDED, "", {"met": response_met}))
        if planned.first_resolved_at and planned.reopened_at:
            used = business_time_between(spec, reported, planned.first_resolved_at)
            clock.events += [
                (planned.first_resolved_at, ClockEventKind.STOPPED, "", {"met": used <= resolution}),
                (planned.reopened_at, ClockEventKind.RESUMED, LIFECYCLE.reopen_reason, {"via": "reopen"}),
            ]
        running = clock_position(spec, _moments(clock.events))
        response_due = add_business_time(spec, reported, response)
        resolution_due = running.moment_at(spec, resolution) or add_business_time(spec, reported, resolution)
        if planned.awaiting_since:
            clock.events.append((planned.awaiting_since, ClockEventKind.PAUSED, planned.awaiting_reason, {}))
        resolution_met = None
        if planned.resolved_at:
            stopped = clock_position(spec, [*_moments(clock.events), ClockMoment(planned.resolved_at, "stopped")])
            resolution_met = stopped.used_before <= resolution
            clock.events.append((planned.resolved_at, ClockEventKind.STOPPED, "", {"met": resolution_met}))
        clock.fields |= {
            "response_due_at": response_due,
            "resolution_due_at": resolution_due,
            "responded_at": responded,
            "response_met": response_met,
            "resolution_met": resolution_met,
        }
        if planned.state in OPEN_STATES:
            self._watch(clock, spec, planned, response, resolution, running)
        return clock

    def _watch(self, clock: Clock, spec: CalendarSpec, planned: Planned, response, resolution, running) -> None:
        """The warning stages reached by now (and when), and the sweep's next check (none while paused)."""
        now, reported = self.now, planned.reported_at
        responded = clock.fields["responded_at"]
        position = clock_position(spec, _moments(clock.events))
        used = {
            "response": business_time_between(spec, reported, min(responded or now, now)),
            "resolution": position.used(spec, now),
        }
        targets = {"response": response, "resolution": resolution}
        next_checks = []
        for name, minutes in targets.items():
            thresholds = [minutes * percent / 100 for percent in stage_percents()]
            stage = sum(used[name] >= threshold for threshold in thresholds)
            clock.fields[f"{name}_warning_stage"] = stage
            for number in range(1, stage + 1):
                if name == "response":
                    moment = add_business_time(spec, reported, thresholds[number - 1])
                else:
                    moment = running.moment_at(spec, thresholds[number - 1])
                if moment is not None:
                    clock.stages.append((name, STAGE_NAMES[number], moment))
            watched = name == "resolution" or responded is None
            if watched and stage < len(thresholds) and position.running_since is not None:
                moment = position.moment_at(spec, thresholds[stage])
                next_checks.append(moment if moment is not None else now)
        clock.fields["sla_next_check_at"] = min(next_checks) if next_checks else None


def _moments(events: list[tuple[datetime.datetime, str, str, dict[str, Any]]]) -> list[ClockMoment]:
    return [ClockMoment(at, kind, reason) for at, kind, reason, _data in sorted(events, key=lambda e: e[0])]


# --- loading --------------------------------------------------------------------------------------------


def load_story(
    plan: list[Planned],
    clocks: dict[int, Clock],
    levels: ServiceLevels,
    operator: AbstractBaseUser,
    directory: Directory,
    now: datetime.datetime,
) -> None:
    """Clock events, handoffs, the re-evaluation, notifications and saved filters of the planned incidents
    (``clocks`` by incident id, as computed for the incidents' fields)."""
    rng = random.Random(len(plan))  # noqa: S311 - demo data, not security
    ClockEvent.objects.bulk_create(
        [
            ClockEvent(incident_id=incident_id, at=at, kind=kind, reason=reason, data=data)
            for incident_id, clock in clocks.items()
            for at, kind, reason, data in clock.events
        ],
        batch_size=1000,
    )
    bell = _Bell(operator)
    journal: list[Activity] = []
    _handoffs(plan, levels, directory, now, bell, journal)
    _service_level_notices(plan, clocks, bell, journal)
    members = _members(directory)
    for planned in plan:
        incident = planned.incident
        if planned.state in OPEN_STATES and planned.escalated_at and planned.topic.group in members:
            text = _("%(number)s was escalated to %(group)s: %(summary)s") % {
                "number": incident.number,
                "group": planned.topic.group,
                "summary": incident.short_description,
            }
            bell.ring(members[planned.topic.group], incident, "assigned", text, planned.escalated_at)
        if planned.serious and planned.state in OPEN_STATES:
            text = _("Serious incident %(number)s: %(summary)s") % {
                "number": incident.number,
                "summary": incident.short_description,
            }
            bell.ring(messages.managers_of(incident), incident, "serious", text, planned.recorded_at + 4 * MINUTE)
        if planned.reopened_at:
            text = _("%(number)s was reopened by the caller: %(reason)s") % {
                "number": incident.number,
                "reason": LIFECYCLE.reopen_reason,
            }
            bell.ring([operator], incident, "reopened_by_caller", text, planned.reopened_at)
        if planned.reevaluation:
            requested, reason, impact, urgency = planned.reevaluation
            member_id = directory.members[planned.topic.group][0]
            request = Reevaluation.objects.create(
                incident=incident, requested_by_id=member_id, reason=reason, proposed_impact=impact,
                proposed_urgency=urgency,
            )  # fmt: skip
            Reevaluation.objects.filter(pk=request.pk).update(requested_at=requested)
            journal.append(
                Activity(
                    incident=incident,
                    kind=ActivityKind.REEVALUATION_REQUESTED,
                    author_id=member_id,
                    created_at=requested,
                    text=reason,
                    data={"impact": [incident.impact, impact], "urgency": [incident.urgency, urgency]},
                )
            )
    _write_stamped(Activity, journal, "created_at")
    bell.write(now, rng)
    _saved_filters(directory)


def _members(directory: Directory) -> dict[str, list[AbstractBaseUser]]:
    """The active members of the groups with a demo member, by group name."""
    groups = SupportGroup.objects.filter(name__in=directory.members).order_by("name")
    return {group.name: messages.group_members(group) for group in groups}


def _handoffs(
    plan: list[Planned],
    levels: ServiceLevels,
    directory: Directory,
    now: datetime.datetime,
    bell: _Bell,
    journal: list[Activity],
) -> None:
    """An agreement per demo group (unless it has one), and a handoff per escalation, met or missed by it."""
    groups = {group.name: group for group in SupportGroup.objects.filter(name__in=directory.groups)}
    agreements = {row.group_id: row for row in GroupAgreement.objects.filter(group__in=groups.values())}
    missing = [
        GroupAgreement(group=group, acknowledge_minutes=ACKNOWLEDGE_MINUTES.get(group.tier, 60))
        for group in groups.values()
        if group.pk not in agreements and group.tier in ACKNOWLEDGE_MINUTES
    ]
    for agreement in GroupAgreement.objects.bulk_create(missing):
        agreements[agreement.group_id] = agreement
    spec = levels.default_calendar()
    handoffs = []
    for planned in plan:
        group = groups.get(planned.topic.group)
        if planned.escalated_at is None or group is None:
            continue
        agreement = agreements.get(group.pk)
        calendar = levels.spec(agreement.calendar_id) if agreement and agreement.calendar_id else spec
        due = None
        if agreement is not None and calendar is not None and calendar.has_working_time:
            within = datetime.timedelta(minutes=agreement.acknowledge_minutes)
            due = add_business_time(calendar, planned.escalated_at, within)
        acknowledged, ended = planned.acknowledged_at, planned.resolved_at
        handoff = Handoff(
            incident=planned.incident, group=group, handed_at=planned.escalated_at, due_at=due,
            acknowledged_at=acknowledged, ended_at=ended,
        )  # fmt: skip
        if acknowledged is not None:
            handoff.met = due is None or acknowledged <= due
        elif due is not None and (ended or now) > due:
            handoff.met = False
            if ended is None:  # the sweep flagged it: to the desk owner and the group's manager
                handoff.overdue_flagged_at = due + MINUTE
                _flag_overdue(planned, group, due, bell, journal)
        handoffs.append(handoff)
    Handoff.objects.bulk_create(handoffs, batch_size=1000)


def _flag_overdue(planned: Planned, group: SupportGroup, due: datetime.datetime, bell: _Bell, journal: list) -> None:
    incident = planned.incident
    users = [user for user in (incident.desk_owner, group.manager) if user is not None]
    text = _("%(number)s: %(group)s has not acknowledged it in time (due %(due)s).") % {
        "number": incident.number,
        "group": group.name,
        "due": when(due),
    }
    bell.ring(users, incident, "handoff_overdue", text, due + MINUTE)
    subject = messages.subject_for(incident, _("Not acknowledged in time by %(group)s") % {"group": group.name})
    recipients = sorted({user.email for user in users if user.email})
    journal.append(
        Activity(
            incident=incident,
            kind=ActivityKind.NOTIFICATION,
            created_at=due + MINUTE,
            text=text,
            data={"notice": "handoff_overdue", "recipients": recipients, "group": group.name, "subject": subject},
        )
    )


# As ``incidents.notifications`` words them.
STAGE_LABELS = {
    "warning": gettext_noop("75%% of the %(target)s time used"),
    "breach": gettext_noop("%(target)s target breached"),
    "late_breach": gettext_noop("%(target)s target still breached"),
}


def _service_level_notices(plan: list[Planned], clocks: dict[int, Clock], bell: _Bell, journal: list) -> None:
    """The stages the sweep would have sent for the open incidents: bell and journal, as ``sla_notify``."""
    for planned in plan:
        incident = planned.incident
        clock = clocks.get(incident.pk)
        if clock is None or not clock.stages:
            continue
        for target, stage, moment in clock.stages:
            target_label = _("response") if target == "response" else _("resolution")
            label = _(STAGE_LABELS[stage]) % {"target": target_label}
            label = label[:1].upper() + label[1:]
            users, addresses = staff.sla_recipients(incident, stage=stage)
            bell.ring(users, incident, f"sla_{stage}", f"{incident.number}: {label}", moment)
            journal.append(
                Activity(
                    incident=incident,
                    kind=ActivityKind.NOTIFICATION,
                    created_at=moment,
                    text=label if addresses else _("%(what)s; nobody to mail.") % {"what": label},
                    data={
                        "notice": f"sla_{stage}",
                        "recipients": addresses,
                        "subject": messages.subject_for(incident, label),
                        "target": target,
                    },
                )
            )


class _Bell:
    """The staff notifications the demo rings, written at once: each demo user's newest unread."""

    def __init__(self, operator: AbstractBaseUser) -> None:
        self.rows: list[StaffNotification] = []
        self.operator = operator

    def ring(self, users: list, incident: Any, kind: str, text: str, at: datetime.datetime) -> None:
        for user_id in dict.fromkeys(user.pk for user in users if user.is_active):
            row = StaffNotification(user_id=user_id, incident=incident, kind=kind, text=text[:300])
            row.created_at = at
            self.rows.append(row)

    def write(self, now: datetime.datetime, rng: random.Random) -> None:
        by_user = defaultdict(list)
        for row in sorted(self.rows, key=lambda row: row.created_at, reverse=True):
            by_user[row.user_id].append(row)
        for rows in by_user.values():
            for row in rows[UNREAD:]:
                row.read_at = min(row.created_at + rng.randint(5, 180) * MINUTE, now)
        _write_stamped(StaffNotification, self.rows, "created_at")


def _write_stamped(model: type, rows: list, stamp: str) -> None:
    """Insert, then put back the moments ``auto_now_add`` overwrote."""
    stamped = [getattr(row, stamp) for row in rows]
    model.objects.bulk_create(rows, batch_size=1000)
    for row, moment in zip(rows, stamped, strict=True):
        setattr(row, stamp, moment)
    model.objects.bulk_update(rows, [stamp], batch_size=1000)


def _saved_filters(directory: Directory) -> None:
    """``support``'s own filter of the urgent work, and one shared with its first group."""
    User = get_user_model()
    support = User.objects.filter(support_groups__name__in=directory.members).exclude(groups__name=Role.MANAGERS.value)
    member = support.order_by("username").first()
    if member is None:
        return
    group = SupportGroup.objects.filter(members=member, name__in=directory.members).order_by("name").first()
    urgent = urlencode([("priority", Priority.CRITICAL.value), ("priority", Priority.HIGH.value), ("tab", "group")])
    rows = [SavedFilter(owner=member, name=_("Urgent: P1 and P2"), query=urgent)]
    if group is not None:
        query = urlencode([("assigned_group", group.pk), ("tab", "unacknowledged")])
        rows.append(SavedFilter(owner=member, name=_("%(group)s: to pick up") % {"group": group.name},
                                query=query, shared_with=group))  # fmt: skip
    SavedFilter.objects.bulk_create(rows)
