"""The incidents part of the demo data (``serve --demo``): four months of calls to Kestrel Logistics' desk.

About three hundred incidents, seeded and relative to now, planned from the topics and clusters in
``incidents/demo/data/*.toml`` (read by ``records``) and taken through the lifecycle, with their journal;
``story`` adds service levels, handoffs and the bell, ``mail`` the morning's mail
(docs/decisions/0015-demo-data-as-data.md).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Service, SupportGroup
from incidents import selectors
from incidents.canned.incident_templates import incident_template_create
from incidents.choices import ActivityKind, ClosureReason, Visibility
from incidents.demo import mail, story
from incidents.demo.plan import AUTO_CLOSE_DAYS, DAY, MINUTE, OPERATOR, Directory, Planned, Planner
from incidents.demo.records import CANNED_REPLIES, INCIDENT_TEMPLATES, SERVICE_LEVELS
from incidents.models import (
    Activity,
    BusinessCalendar,
    CannedReply,
    CannedReplyRevision,
    Incident,
    IncidentPerson,
    IncidentTemplate,
    PersonReason,
    ServiceLevel,
    ServiceLevelCoverage,
    ServiceLevelTarget,
    WorkingPeriod,
)
from incidents.priority import priority_for
from incidents.recording.vectors import incidents_embed
from knowledge.models import Category

CUSTOMER_STEPS = {"resolve", "reopen", "confirm", "inform"}


@transaction.atomic
def load_incidents_demo() -> None:
    """Load the incidents demo: nothing without an ``operator`` account, or when the demo's incidents are there
    already (a "recorded" entry marked demo). Callers, services, CIs and groups are looked up by name and
    e-mail; whatever the CMDB does not hold is skipped."""
    operator = get_user_model().objects.filter(username=OPERATOR).first()
    if operator is None or Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True).exists():
        return
    directory = Directory.fetch()
    if not directory.callers:
        return
    _service_levels()
    _canned_replies(operator)
    _incident_templates(operator, directory)
    now = timezone.now()
    _load(Planner(now, directory).plan(), operator, directory, now)
    mail.load_mail()
    incidents_embed()


def _service_levels() -> None:
    """The demo's own service levels (``service_levels.toml``), each on a calendar open around the clock and
    covering its services; one that exists already is left as it is."""
    for record in SERVICE_LEVELS:
        if ServiceLevel.objects.filter(name=record.name).exists():
            continue
        calendar = BusinessCalendar.objects.create(name=record.calendar, time_zone=settings.TIME_ZONE)
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=calendar, weekday=day, start=datetime.time.min, end=datetime.time.max)
            for day in range(7)
        )
        level = ServiceLevel.objects.create(name=record.name, description=record.description, calendar=calendar)
        ServiceLevelTarget.objects.bulk_create(
            ServiceLevelTarget(service_level=level, priority=priority, response_minutes=response,
                               resolution_minutes=resolution)
            for priority, response, resolution in record.targets
        )  # fmt: skip
        ServiceLevelCoverage.objects.bulk_create(
            ServiceLevelCoverage(service_level=level, service=service)
            for service in Service.objects.filter(name__in=record.services)
        )


def _canned_replies(operator: AbstractBaseUser) -> None:
    """The desk's and the groups' canned replies (``canned_replies.toml``), each with its first revision; one
    whose group the CMDB lacks is skipped, one that exists already is left as it is."""
    groups = {group.name: group for group in SupportGroup.objects.filter(name__in={r.group for r in CANNED_REPLIES})}
    for record in CANNED_REPLIES:
        group = groups.get(record.group) if record.group else None
        if (record.group and group is None) or CannedReply.objects.filter(title=record.title, group=group).exists():
            continue
        reply = CannedReply.objects.create(
            title=record.title, body=record.body, group=group, created_by=operator, updated_by=operator
        )
        CannedReplyRevision.objects.create(reply=reply, title=reply.title, body=reply.body, group=group, active=True,
                                           by=operator)  # fmt: skip


def _incident_templates(operator: AbstractBaseUser, directory: Directory) -> None:
    """The desk's incident templates (``incident_templates.toml``), each with its first revision, through the
    service that writes them; one that exists already is left as it is."""
    services = Service.objects.in_bulk(directory.services.values())
    categories = Category.objects.select_related("parent__parent").in_bulk(directory.categories.values())
    for record in INCIDENT_TEMPLATES:
        if IncidentTemplate.objects.filter(name__iexact=record.name).exists():
            continue
        incident_template_create(
            by=operator,
            name=record.name,
            short_description=record.short_description,
            symptoms=record.symptoms,
            service=services.get(directory.services.get(record.service)),
            category=categories.get(directory.categories.get(tuple(record.category))),
            impact=record.impact,
            urgency=record.urgency,
        )


# --- the directory: who calls, from where, with what -----------------------------------------------------


def _load(plan: list[Planned], operator: AbstractBaseUser, directory: Directory, now: datetime.datetime) -> None:
    """Incidents, their CIs and journal in bulk; then dated back (``auto_now_add`` stamps every insert); then
    the rest of the story (``incidents.demo.story``)."""
    matrix = selectors.priority_matrix()
    levels = story.ServiceLevels(now)
    clocks = []
    incidents = []
    for planned in plan:
        topic = planned.topic
        service_id = directory.services.get(topic.service or "")
        priority = priority_for(planned.impact, planned.urgency, matrix)
        clock = levels.clock(planned, service_id, priority)
        clocks.append(clock)
        steps = _steps(planned, directory)
        moments = [planned.updated_at, *(moment for moment, _step in steps)]
        planned.updated_at = min(max(moment for moment in moments if moment), now - MINUTE)
        planned.incident = Incident(
            caller_id=planned.caller.id,
            channel=planned.channel,
            occurred_at=planned.occurred_at,
            reported_at=planned.reported_at,
            short_description=planned.summary,
            symptoms=planned.symptoms,
            location_id=planned.caller.workplace_id,
            service_id=service_id,
            affected_users=planned.affected_users,
            impact=planned.impact,
            urgency=planned.urgency,
            priority=priority,
            serious=planned.serious,
            desk_owner=operator,
            assigned_group_id=directory.groups.get(topic.group) if planned.assigned else None,
            logging_seconds=planned.logging_seconds,
            version=1 + len(planned.added) + len(steps),
            state=planned.state,
            **_lifecycle_fields(planned, directory),
            **clock.fields,
        )
        incidents.append(planned.incident)
    # Numbers come from the column default, read back with RETURNING; in order of reporting.
    Incident.objects.bulk_create(incidents, batch_size=500)
    for planned in plan:
        incident = planned.incident
        incident.created_at, incident.updated_at = planned.recorded_at, planned.updated_at
        incident.parent = planned.master.incident if planned.master else None
    Incident.objects.bulk_update(incidents, ["created_at", "updated_at", "parent"], batch_size=500)

    Incident.cis.through.objects.bulk_create(
        [
            Incident.cis.through(incident_id=planned.incident.pk, configurationitem_id=directory.cis[name])
            for planned in plan
            for name in directory.ci_names(planned.topic, planned.caller)
        ],
        batch_size=1000,
    )
    journal = sorted(_journal(plan, operator, directory), key=lambda entry: entry.created_at)
    stamped = [entry.created_at for entry in journal]
    Activity.objects.bulk_create(journal, batch_size=1000)
    for entry, created_at in zip(journal, stamped, strict=True):
        entry.created_at = created_at
    Activity.objects.bulk_update(journal, ["created_at"], batch_size=1000)
    # The callers of added calls are kept informed, as incident_add_call makes them (the caller's own call once).
    people = {
        (planned.incident.pk, caller.id): IncidentPerson(
            incident=planned.incident, contact_id=caller.id, reason=PersonReason.CALL_ADDED, added_by=operator
        )
        for planned in plan
        for _moment, _text, _users, caller in planned.added
        if caller.id != planned.incident.caller_id
    }
    IncidentPerson.objects.bulk_create(people.values(), batch_size=1000)
    story.load_story(
        plan,
        {planned.incident.pk: clock for planned, clock in zip(plan, clocks, strict=True)},
        levels,
        operator,
        directory,
        now,
    )
    # The similar-incident panel weighs words and corrects typos ("outlok") with the planner's statistics of
    # the table; fresh ones now, rather than whenever autovacuum first analyses it.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Incident._meta.db_table)}")


def _journal(plan: list[Planned], operator: AbstractBaseUser, directory: Directory) -> list[Activity]:
    entries = []
    for planned in plan:
        incident, master = planned.incident, planned.master
        entries.append(
            Activity(
                incident=incident,
                kind=ActivityKind.RECORDED,
                author=operator,
                created_at=planned.recorded_at,
                text=incident.symptoms,
                data={
                    "caller": planned.caller.name,
                    "channel": incident.channel,
                    "impact": incident.impact,
                    "urgency": incident.urgency,
                    "priority": incident.priority,
                    "serious": incident.serious,
                    "cis": directory.ci_names(planned.topic, planned.caller),
                    "service": planned.topic.service if incident.service_id else None,
                    "parent": master.incident.number if master else None,
                    "demo": True,
                },
            )
        )
        if master is not None:
            entries.append(
                Activity(
                    incident=master.incident,
                    kind=ActivityKind.SUBORDINATE_RECORDED,
                    author=operator,
                    created_at=planned.recorded_at,
                    text=_("%(number)s recorded as a subordinate: %(summary)s")
                    % {"number": incident.number, "summary": incident.short_description},
                    data={"subordinate": incident.number, "caller": planned.caller.name},
                )
            )
        entries.extend(
            Activity(
                incident=incident,
                kind=ActivityKind.CALL_ADDED,
                author=operator,
                created_at=moment,
                text=text,
                data={"caller": caller.name, "caller_id": caller.id, "affected_users_added": users},
            )
            for moment, text, users, caller in planned.added
        )
        entries.extend(_step_entries(planned, operator, directory))
    return entries


# --- the lifecycle after recording ----------------------------------------------------------------------


def _lifecycle_fields(planned: Planned, directory: Directory) -> dict[str, object]:
    category = planned.topic.category
    member = directory.members.get(planned.topic.group) if planned.acknowledged_at else None
    notified = _notified_at(planned) if planned.serious else None
    known_error = planned.known_error
    reopened = planned.reopened_at is not None  # the failed resolution stays in the journal only
    return {
        "known_error_id": known_error[0] if known_error else None,
        "workaround": known_error[2] if known_error else "",
        "confirmed_at": planned.confirmed_at,
        "awaiting_caller_since": planned.awaiting_since,
        "awaiting_caller_reason": planned.awaiting_reason,
        "category_id": directory.category(category) if planned.classified_at else None,
        "assignee_id": member[0] if member else None,
        "acknowledged_at": planned.acknowledged_at,
        "resolution_code": "" if reopened else planned.resolution_code,
        "resolution_notes": "" if reopened else planned.resolution_notes,
        "resolved_at": planned.resolved_at,
        "reopened_at": planned.reopened_at,
        "root_cause_category_id": directory.category(_root_cause(planned)) if planned.closed_at else None,
        "root_cause_id": _cause_id(planned, directory),
        "closure_reason": _closure_reason(planned),
        "closed_at": planned.closed_at,
        "closed_automatically": planned.closed_automatically,
        # The caller's own rating comes with their confirmation; one without it the desk took by phone.
        "satisfaction": planned.satisfaction if planned.confirmed_at else None,
        "satisfaction_by_phone": None if planned.confirmed_at else planned.satisfaction,
        "satisfaction_comment": planned.satisfaction_comment,
        "management_notified_at": notified,
        "users_informed_at": notified + MINUTE if notified else None,
    }


def _steps(planned: Planned, directory: Directory) -> list[tuple[datetime.datetime, str]]:
    """The steps taken after recording that change the incident (each makes a version), in order: (moment, step)."""
    steps = []
    if planned.serious:
        notified = _notified_at(planned)
        steps += [(notified, "notify"), (notified + MINUTE, "inform")]
    if planned.classified_at:
        steps.append((planned.classified_at, "classify"))
    if planned.escalated_at and planned.topic.group in directory.groups:
        steps.append((planned.escalated_at, "escalate"))
        if planned.acknowledged_at:
            steps.append((planned.acknowledged_at, "acknowledge"))
            if planned.topic.group in directory.members:
                steps.append((planned.acknowledged_at + MINUTE, "assign"))
    if planned.first_resolved_at and planned.reopened_at:
        steps += [(planned.first_resolved_at, "resolve"), (planned.reopened_at, "reopen")]
    if planned.awaiting_since:
        steps.append((planned.awaiting_since, "await_caller"))
    if planned.resolved_at:
        steps.append((planned.resolved_at, "resolve"))
    if planned.confirmed_at:
        steps.append((planned.confirmed_at, "confirm"))
    if planned.closed_at:
        steps.append((planned.closed_at, "close"))
    return sorted(steps, key=lambda step: step[0])


def _notified_at(planned: Planned) -> datetime.datetime:
    return planned.recorded_at + 4 * MINUTE


def _step_entries(planned: Planned, operator: AbstractBaseUser, directory: Directory) -> list[Activity]:
    """The journal entries of the steps, as ``incidents.lifecycle`` writes them, with the version each made."""
    entries = []
    for number, (moment, step) in enumerate(_steps(planned, directory), start=1):
        kind, author_id, text, data = _step_entry(planned, step, moment, operator.pk, directory)
        entries.append(
            Activity(
                incident=planned.incident,
                kind=kind,
                author_id=author_id,
                created_at=moment,
                text=text,
                # The resolution is written for the caller, and what the caller said is theirs to see.
                visibility=Visibility.CUSTOMER if step in CUSTOMER_STEPS else Visibility.INTERNAL,
                data=data,
                incident_version=1 + number + sum(1 for call in planned.added if call[0] <= moment),
            )
        )
    return entries


def _step_entry(
    planned: Planned, step: str, moment: datetime.datetime, operator_id: int, directory: Directory
) -> tuple[str, int | None, str, dict[str, object]]:
    """Kind, author, text and details of one step's entry. Groups without a demo member act without one."""
    incident, topic = planned.incident, planned.topic
    category = _path_label(topic.category, directory)
    group = topic.group if planned.escalated_at and topic.group in directory.groups else None
    member = directory.members.get(topic.group) if group else None
    worker_id = member[0] if member else None
    if step in story.STEPS:
        return story.step_entry(planned, step, moment, operator_id=operator_id, worker_id=worker_id)
    if step == "classify":
        return ActivityKind.STATE_CHANGED, operator_id, "", {
            "step": step, "state": ["recorded", "classified"], "category": [None, category],
            "priority": [incident.priority, incident.priority],
        }  # fmt: skip
    if step == "escalate":
        return ActivityKind.ESCALATED, operator_id, _("Beyond what the desk can fix at first line."), {
            "step": step, "state": ["classified", "investigating"], "assigned_group": [None, group],
            "tier": [None, directory.tiers.get(group)],
        }  # fmt: skip
    if step == "acknowledge":
        return ActivityKind.ACKNOWLEDGED, worker_id, "", {"acknowledged_at": [None, moment.isoformat()], "group": group}
    if step == "assign":
        return ActivityKind.ASSIGNED, worker_id, "", {"assignee": [None, member[1] if member else None]}
    if step == "resolve":
        master = planned.master.incident if planned.master and planned.master.resolved_at else None
        name = "resolve_with_master" if master else "resolve" if group else "resolve_at_first_line"
        data: dict[str, object] = {
            "step": name,
            "state": ["investigating" if group else "classified", "resolved"],
            "resolution_code": ["", planned.resolution_code],
        }
        if master is not None:
            data["master"] = master.number
        if planned.known_error:
            data["known_error"] = [None, planned.known_error[1]]
        return (
            ActivityKind.STATE_CHANGED,
            worker_id if name == "resolve" else operator_id,
            planned.resolution_notes,
            data,
        )
    automatic = planned.closed_automatically
    root_cause = _path_label(_root_cause(planned), directory)
    data = {
        "step": step, "via": "automatic" if automatic else "desk", "state": ["resolved", "closed"],
        "root_cause": [None, None if automatic else planned.topic.cause],
        "root_cause_category": [None, root_cause],
        "closed_at": [None, moment.isoformat()], "time_spent_minutes": 0,
    }  # fmt: skip
    if _closure_reason(planned):
        data["closure_reason"] = ["", _closure_reason(planned)]
    if planned.satisfaction and not planned.confirmed_at:  # else the caller's rating, kept
        data["satisfaction_by_phone"] = [None, planned.satisfaction]
    if automatic:
        text = _("Closed automatically: the caller did not reject the fix within %(days)s days.") % {
            "days": AUTO_CLOSE_DAYS
        }
        return ActivityKind.STATE_CHANGED, None, text, data
    return ActivityKind.STATE_CHANGED, operator_id, planned.satisfaction_comment, data


def _cause_id(planned: Planned, directory: Directory) -> int | None:
    """The root cause the desk found; the automatic closure gives none."""
    if not planned.closed_at or planned.closed_automatically:
        return None
    return directory.root_causes.get(planned.topic.cause)


def _closure_reason(planned: Planned) -> str:
    """Closed by the desk before the caller confirmed and before the automatic closure: confirmed by phone."""
    if not planned.closed_at or planned.closed_automatically or planned.confirmed_at:
        return ""
    early = planned.resolved_at is not None and planned.closed_at < planned.resolved_at + AUTO_CLOSE_DAYS * DAY
    return ClosureReason.CONFIRMED_BY_PHONE.value if early else ""


def _root_cause(planned: Planned) -> tuple[str, ...] | None:
    """The desk's finding; automatic closure takes the classification category (``incidents.lifecycle``)."""
    category = planned.topic.category
    return category if planned.closed_automatically else planned.topic.root_cause or category


def _path_label(path: tuple[str, ...] | None, directory: Directory) -> str | None:
    return " / ".join(path) if path and path in directory.categories else None
