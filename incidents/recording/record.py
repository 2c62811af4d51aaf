"""Recording incidents and adding calls to them: the service desk's writes, each with its journal entry.

Every function here is one transaction: it checks who is acting, validates, writes, and writes the
journal row in the same transaction. State changes after recording belong to ``incidents.lifecycle``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Change, ConfigurationItem, Contact, Location, Service
from incidents import selectors
from incidents.choices import ActivityKind, Channel, Impact, State, Urgency
from incidents.lifecycle import steps
from incidents.mail import notifications
from incidents.models import Activity, Incident, may_handle
from incidents.priority import priority_for, raise_to, serious_at
from incidents.recording import evidence
from incidents.servicelevels import clock
from knowledge.models import KnownError, Problem

# Clocks of the operator's PC and the server differ a little; a minute of "future" is a clock, not a typo.
CLOCK_SKEW = datetime.timedelta(minutes=1)


def ensure_may_record(user: AbstractBaseUser) -> None:
    """Only the service desk records incidents: the desk is the single point of contact."""
    if not user.has_perm("incidents.add_incident"):
        raise PermissionDenied(
            _(
                "Only the service desk records incidents. Support groups receive them by escalation; "
                "ask the desk to log the call."
            )
        )


@transaction.atomic
def incident_record(
    *,
    by: AbstractBaseUser,
    caller: Contact,
    short_description: str,
    occurred_at: datetime.datetime,
    impact: int,
    urgency: int,
    symptoms: str = "",
    channel: str = Channel.PHONE,
    reported_at: datetime.datetime | None = None,
    location: Location | None = None,
    service: Service | None = None,
    cis: Sequence[ConfigurationItem] = (),
    affected_users: int = 1,
    serious: bool = False,
    parent: Incident | None = None,
    raise_parent: bool = False,
    master_impact: int | None = None,
    logging_seconds: int | None = None,
) -> Incident:
    """Record a call as a new incident in state ``recorded``, owned by ``by`` (the desk keeps ownership).

    The priority follows from impact and urgency under the desk's matrix; the location defaults to the
    caller's workplace. With ``parent`` the incident is recorded as a subordinate of that master
    incident, and the master's journal says so too; ``raise_parent`` raises the master's impact and
    urgency to this call's where they are higher (never lowers them), journaled on the master;
    ``master_impact`` accepts the impact its evidence proposes once this call is counted
    (``incident_accept_impact``).
    Raises ``PermissionDenied`` for anyone but the service desk and ``ValidationError`` (by field) for
    bad input; nothing is written then. Writes the caller's "recorded" mail to the outbox (sent after
    commit; its recipients and subject are on the recording entry).
    """
    ensure_may_record(by)
    now = timezone.now()
    reported_at = reported_at or now
    errors: dict[str, list[str]] = {}
    if occurred_at > now + CLOCK_SKEW:
        errors.setdefault("occurred_at", []).append(_("The incident cannot have occurred in the future."))
    steps.check_scales(errors, impact=impact, urgency=urgency)
    if not caller.active:
        errors.setdefault("caller", []).append(_("This caller is no longer active."))
    if parent is not None and not parent.is_open:
        errors.setdefault("parent", []).append(_("A subordinate can only be recorded under an open incident."))
    steps.raise_if(errors)

    priority = priority_for(impact, urgency, selectors.priority_matrix())
    incident = Incident(
        caller=caller,
        channel=channel,
        occurred_at=min(occurred_at, reported_at),
        reported_at=reported_at,
        short_description=short_description.strip(),
        symptoms=symptoms.strip(),
        location=location or caller.workplace,
        service=service,
        affected_users=affected_users,
        impact=impact,
        urgency=urgency,
        priority=priority,
        # The top priority is a major incident whether or not the operator ticked the box.
        serious=serious_at(priority, serious=serious),
        desk_owner=by,
        parent=parent,
        logging_seconds=logging_seconds,
    )
    # The protected state is set by the model, never by cleaning; the foreign keys were loaded by the caller.
    incident.full_clean(exclude=["number", "state", "desk_owner", "caller", "location", "service", "parent"])
    clock.clock_start(incident=incident, now=now)
    incident.save()
    clock.clock_started(incident=incident)
    if cis:
        incident.cis.set(cis)
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.RECORDED,
        author=by,
        text=incident.symptoms,
        data={
            "caller": caller.full_name,
            "channel": channel,
            "impact": impact,
            "urgency": urgency,
            "priority": incident.priority,
            "serious": incident.serious,
            "cis": [ci.name for ci in cis],
            "service": service.name if service else None,
            "parent": parent.number if parent else None,
            "service_level": incident.service_level.name if incident.service_level else None,
            "response_due_at": incident.response_due_at.isoformat() if incident.response_due_at else None,
            "resolution_due_at": incident.resolution_due_at.isoformat() if incident.resolution_due_at else None,
            **notifications.caller_recorded(incident, caller=caller),
        },
    )
    if parent is not None:
        Activity.objects.create(
            incident=parent,
            kind=ActivityKind.SUBORDINATE_RECORDED,
            author=by,
            text=_("%(number)s recorded as a subordinate: %(summary)s")
            % {"number": incident.number, "summary": incident.short_description},
            data={"subordinate": incident.number, "caller": caller.full_name},
        )
        if raise_parent:
            _raise_priority(
                by=by,
                incident=Incident.objects.select_for_update().get(pk=parent.pk),
                impact=impact,
                urgency=urgency,
                reason=_("Raised with subordinate %(number)s.") % {"number": incident.number},
            )
        if master_impact is not None:
            incident_accept_impact(by=by, incident_id=parent.pk, impact=master_impact)
    return incident


@transaction.atomic
def incident_accept_impact(*, by: AbstractBaseUser, incident_id: int, impact: int) -> Incident:
    """Raise an incident's impact to what the evidence of its calls proposes (``incidents.evidence``).

    The proposal is worked out again here, under the lock: the operator accepts what the evidence says
    now, never more. Raises ``ValidationError`` when it no longer supports ``impact`` (nothing written).
    """
    ensure_may_record(by)
    incident = Incident.objects.select_for_update(of=("self",)).select_related("service").get(pk=incident_id)
    proposal = evidence.propose_impact(evidence.incident_evidence([incident])[incident.pk], incident.impact)
    if proposal is None or impact not in Impact.values or impact < proposal.impact:
        raise ValidationError(
            _("The calls on %(number)s no longer support that impact; look at the evidence again.")
            % {"number": incident.number}
        )
    _raise_priority(
        by=by,
        incident=incident,
        impact=impact,
        urgency=None,
        reason=_("Impact raised on the evidence: %(reasons)s.") % {"reasons": ", ".join(proposal.reasons)},
    )
    return incident


def _raise_priority(*, by: AbstractBaseUser, incident: Incident, impact: int | None, urgency: int | None,
                    reason: str) -> list[str]:  # fmt: skip
    """Raise (never lower) impact and urgency, recompute the priority, journal it; the changed fields."""
    before = (incident.impact, incident.urgency, incident.priority)
    was_serious = incident.serious
    incident.impact = raise_to(incident.impact, impact) if impact else incident.impact
    incident.urgency = raise_to(incident.urgency, urgency) if urgency else incident.urgency
    incident.priority = priority_for(incident.impact, incident.urgency, selectors.priority_matrix())
    if (incident.impact, incident.urgency, incident.priority) == before:
        return []
    incident.serious = serious_at(incident.priority, serious=was_serious)
    due_times = clock.clock_recompute(incident=incident, reason=reason) if incident.priority != before[2] else {}
    incident.version += 1
    incident.save(
        update_fields=["impact", "urgency", "priority", "serious", *clock.SLA_FIELDS, "version", "updated_at"]
    )
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.PRIORITY_CHANGED,
        author=by,
        text=reason,
        data={
            "impact": [before[0], incident.impact],
            "urgency": [before[1], incident.urgency],
            "priority": [before[2], incident.priority],
            **({"serious": [False, True]} if incident.serious != was_serious else {}),
            **due_times,
        },
        incident_version=incident.version,
    )
    return ["impact", "urgency", "priority"]


@transaction.atomic
def incident_add_call(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    caller: Contact,
    symptoms: str,
    affected_users: int = 1,
    impact: int | None = None,
    urgency: int | None = None,
) -> Incident:
    """Add a call about an incident that is already open to that incident, instead of a duplicate.

    The call becomes a journal entry (caller, symptoms, time), the affected-user count grows, and the
    operator may raise, never lower, impact and urgency; the priority is recomputed and the change
    journaled. Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` when the incident
    is no longer open or a value is out of range.
    """
    ensure_may_record(by)
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if not incident.is_open:
        raise ValidationError(_("%(number)s is no longer open: record a new incident.") % {"number": incident.number})
    for name, value, scale in (("impact", impact, Impact), ("urgency", urgency, Urgency)):
        if value is not None and value not in scale.values:
            raise ValidationError({name: _("Choose a value from high (1) to low (3).")})
    if affected_users < 0:
        raise ValidationError({"affected_users": _("The number of affected users cannot be negative.")})

    incident.affected_users += affected_users
    incident.version += 1
    incident.save(update_fields=["affected_users", "version", "updated_at"])
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.CALL_ADDED,
        author=by,
        text=symptoms.strip(),
        data={"caller": caller.full_name, "caller_id": caller.pk, "affected_users_added": affected_users},
        incident_version=incident.version,
    )
    _raise_priority(by=by, incident=incident, impact=impact, urgency=urgency, reason=_("Raised after another call."))
    return incident


@transaction.atomic
def incidents_attach(
    *, by: AbstractBaseUser, master_id: int, incident_ids: Sequence[int], raise_master: bool = False
) -> list[Incident]:
    """Make ``master_id`` the master incident of the others (a storm of calls about one outage).

    Each attached incident gets its parent set and a journal entry; the master gets one entry naming them
    all. ``raise_master`` raises the master's impact and urgency to the highest among the attached ones
    (never lowers them). Raises ``PermissionDenied`` for anyone but the desk and ``ValidationError`` when
    the master or one of the others cannot take part (closed, already a subordinate, itself a master);
    nothing is written then. Returns the attached incidents.
    """
    ensure_may_record(by)
    ids = sorted(set(incident_ids) - {master_id})
    if not ids:
        raise ValidationError({"incidents": _("Choose at least one incident to attach to the master.")})
    # Locked in id order, as every writer here does, so that two desks gathering a storm cannot deadlock.
    locked = {
        incident.pk: incident
        for incident in Incident.objects.select_for_update().defer("search_vector").filter(pk__in=[master_id, *ids])
        .order_by("pk")
    }  # fmt: skip
    master = locked.get(master_id)
    if master is None or not master.is_open or master.parent_id is not None:
        raise ValidationError({"master": _("The master must be an open incident that is not itself a subordinate.")})
    masters = set(Incident.objects.filter(parent_id__in=ids).values_list("parent_id", flat=True))
    errors = []
    for pk in ids:
        incident = locked.get(pk)
        if incident is None or not incident.is_open:
            errors.append(_("%(number)s is no longer open.") % {"number": incident.number if incident else pk})
        elif incident.parent_id is not None:
            errors.append(_("%(number)s is already a subordinate.") % {"number": incident.number})
        elif pk in masters:
            errors.append(_("%(number)s has subordinates of its own.") % {"number": incident.number})
    if errors:
        raise ValidationError({"incidents": errors})

    attached = [locked[pk] for pk in ids]
    for incident in attached:
        incident.parent = master
        incident.version += 1
        incident.save(update_fields=["parent", "version", "updated_at"])
        Activity.objects.create(
            incident=incident,
            kind=ActivityKind.ATTACHED_TO_MASTER,
            author=by,
            text=_("Attached to master incident %(number)s: %(summary)s")
            % {"number": master.number, "summary": master.short_description},
            data={"parent": [None, master.number]},
            incident_version=incident.version,
        )
    numbers = [incident.number for incident in attached]
    Activity.objects.create(
        incident=master,
        kind=ActivityKind.SUBORDINATE_ATTACHED,
        author=by,
        text=_("Declared the master incident of %(numbers)s.") % {"numbers": ", ".join(numbers)},
        data={"subordinates": numbers},
    )
    if raise_master:
        _raise_priority(
            by=by,
            incident=master,
            impact=min(incident.impact for incident in attached),
            urgency=min(incident.urgency for incident in attached),
            reason=_("Raised with its attached subordinates."),
        )
    return attached


# The details the desk (or the group working it) may correct after recording; impact and urgency change
# through classification and re-evaluation, the state through the lifecycle.
DETAIL_FIELDS = ("short_description", "symptoms", "channel", "service", "location", "affected_users")


def may_edit(incident: Incident, user: AbstractBaseUser) -> bool:
    """Who may correct an incident's details now: the page's button and form (``incident_update`` decides again)."""
    return incident.state != State.CLOSED and may_handle(incident, user)


@transaction.atomic
def incident_update(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    expected_version: int,
    short_description: str,
    symptoms: str,
    channel: str,
    service: Service | None,
    location: Location | None,
    affected_users: int,
    cis: Sequence[ConfigurationItem],
) -> Incident:
    """Correct an incident's details: what the caller said, where, which service and CIs.

    The service desk and the members of the assigned group may; a closed incident is history and is not
    changed. The form's ``expected_version`` must still be the incident's: a stale form raises
    ``lifecycle.StaleIncident`` with what changed since. Each changed field is journaled with its old
    and new value (nothing is written when nothing changed). Raises ``PermissionDenied`` and
    ``ValidationError`` (by field); nothing is written then.
    """
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related("service", "location", "assigned_group")
        .prefetch_related("assigned_group__members", "cis")
        .get(pk=incident_id)
    )
    if not may_handle(incident, by):
        raise PermissionDenied(
            _("Only the service desk or the group working on %(number)s may change its details.")
            % {"number": incident.number}
        )
    if expected_version != incident.version:
        raise steps.StaleIncident(incident, expected_version)
    if incident.state == State.CLOSED:
        raise ValidationError(_("%(number)s is closed: its details are history.") % {"number": incident.number})
    errors: dict[str, list[str]] = {}
    if not short_description.strip():
        errors["short_description"] = [_("Say in a few words what is wrong.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the call came in.")]
    if affected_users < 1:
        errors["affected_users"] = [_("At least the caller is affected.")]
    steps.raise_if(errors)

    wanted = {
        "short_description": short_description.strip(),
        "symptoms": symptoms.strip(),
        "channel": channel,
        "service": service,
        "location": location,
        "affected_users": affected_users,
    }
    changes = {
        name: [steps.journal_value(getattr(incident, name)), steps.journal_value(value)]
        for name, value in wanted.items()
        if getattr(incident, name) != value
    }
    old_cis = sorted(ci.name for ci in incident.cis.all())
    new_cis = sorted(ci.name for ci in cis)
    if old_cis != new_cis:
        changes["cis"] = [old_cis, new_cis]
    if not changes:
        return incident
    for name, value in wanted.items():
        setattr(incident, name, value)
    if "service" in changes:
        changes |= clock.clock_recompute(incident=incident, reason=_("The service changed."))
    incident.version += 1
    incident.save(update_fields=[*DETAIL_FIELDS, *clock.SLA_FIELDS, "version", "updated_at"])
    if "cis" in changes:
        incident.cis.set(cis)
    Activity.objects.create(
        incident=incident, kind=ActivityKind.FIELD_CHANGED, author=by, data=changes, incident_version=incident.version
    )
    return incident


@transaction.atomic
def incident_link(*, by: AbstractBaseUser, incident_id: int, target: KnownError | Problem | Change) -> Incident:
    """Link a known error, a problem or a change to the incident (from its review panel), journaled.

    One of each kind: linking another replaces the link, and the journal keeps both. The desk and the
    group working on it may; a closed incident is history. Raises ``PermissionDenied`` or
    ``ValidationError`` (already linked, closed); nothing is written then.
    """
    field = LINK_FIELDS[type(target)]
    incident = (
        Incident.objects.select_for_update(of=("self",))
        .select_related(field, "assigned_group")
        .prefetch_related("assigned_group__members")
        .get(pk=incident_id)
    )
    # Problem management (support and managers) links the incidents of a problem it raises.
    manages_problems = isinstance(target, Problem) and by.has_perm("knowledge.change_problem")
    if not (may_handle(incident, by) or manages_problems):
        raise PermissionDenied(
            _("Only the service desk or the group working on %(number)s may link records to it.")
            % {"number": incident.number}
        )
    if incident.state == State.CLOSED:
        raise ValidationError(_("%(number)s is closed: its links are history.") % {"number": incident.number})
    current = getattr(incident, field)
    if current == target:
        raise ValidationError(_("%(target)s is already linked.") % {"target": target.number})
    setattr(incident, field, target)
    incident.version += 1
    incident.save(update_fields=[field, "version", "updated_at"])
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.LINKED,
        author=by,
        text=str(target),
        data={field: [str(current) if current else None, str(target)]},
        incident_version=incident.version,
    )
    return incident


LINK_FIELDS = {KnownError: "known_error", Problem: "problem", Change: "change"}
