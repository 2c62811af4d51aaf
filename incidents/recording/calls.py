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
from django.utils.translation import ngettext

from cmdb.models import ConfigurationItem, Contact, Location, Service
from incidents import selectors
from incidents.callers import mails
from incidents.callers.people import person_of_contact
from incidents.choices import ActivityKind, Channel, Impact, Priority, Urgency
from incidents.core.checks import check_scales, raise_if
from incidents.core.gate import ensure_gate_open
from incidents.core.values import diff, values_of
from incidents.core.writes import incident_lock, incident_save, incidents_lock, journal_mailed, journal_write
from incidents.models import Incident, IncidentPerson, IncidentTemplate, PersonReason
from incidents.priority import priority_for, raise_to, serious_at
from incidents.recording import evidence
from incidents.recording.tasks import incident_recorded_after_commit
from incidents.servicelevels import clock, configuration

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
    serious_reason: str = "",
    parent: Incident | None = None,
    raise_parent: bool = False,
    master_impact: int | None = None,
    logging_seconds: int | None = None,
    template: IncidentTemplate | None = None,
) -> Incident:
    """Record a call as a new incident in state ``recorded``, owned by ``by`` (the desk keeps ownership).

    The priority follows from impact and urgency under the desk's matrix; the location defaults to the
    caller's workplace. With ``parent`` the incident is recorded as a subordinate of that master
    incident, whose affected users count this call's, and the master's journal says so too;
    ``raise_parent`` raises the master's impact and urgency to this call's where they are higher (never
    lowers them), journaled on the master;
    ``master_impact`` accepts the impact its evidence proposes once this call is counted
    (``incident_accept_impact``). ``template``, the incident template the operator started from, is kept on
    the incident: its category is proposed at classification. An incident flagged ``serious`` below the top
    priority needs a ``serious_reason`` (a serious incident normally is a P1, with the P1's targets), journaled.
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
    check_scales(errors, impact=impact, urgency=urgency)
    if not caller.active:
        errors.setdefault("caller", []).append(_("This caller is no longer active."))
    if parent is not None:
        ensure_gate_open(parent, "record_subordinate")
    if parent is not None and not parent.is_open:
        errors.setdefault("parent", []).append(_("A subordinate can only be recorded under an open incident."))
    raise_if(errors)

    config = configuration.current()
    priority = priority_for(impact, urgency, config.matrix)
    if serious and priority != Priority.CRITICAL and not serious_reason.strip():
        errors["serious_reason"] = [
            _("A serious incident is normally the top priority: set impact and urgency to high, or say why it "
              "stays %(priority)s.") % {"priority": priority.label}
        ]  # fmt: skip
    raise_if(errors)
    incident = Incident(
        caller=caller,
        channel=channel,
        occurred_at=min(occurred_at, reported_at),
        reported_at=reported_at,
        short_description=short_description.strip(),
        symptoms=symptoms.strip(),
        # The caller's workplace by its id: the picked caller is read without it (decision record 0059).
        **({"location": location} if location else {"location_id": caller.workplace_id}),
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
        template=template,
    )
    # The protected state is set by the model, never by cleaning; the foreign keys were loaded by the caller. The
    # table's check constraints hold by construction here (occurred no later than reported, no id to be its own
    # parent, no satisfaction yet) and the database enforces them: checking them costs a query and a savepoint each.
    incident.full_clean(
        exclude=["number", "state", "desk_owner", "caller", "location", "service", "parent", "template"],
        validate_constraints=False,
    )
    clock.clock_start(incident=incident, now=now, config=config)
    incident.save()
    clock.clock_started(incident=incident)
    if cis:
        # A new incident has no links yet: added in one statement, without reading the links it has (``set``).
        incident.cis.add(*cis)
    # The caller's mail and the incident's vector, published after the commit as one message (decision 0062).
    mailed = mails.caller_recorded(incident, caller=caller, queue=False)
    incident_recorded_after_commit(incident_id=incident.pk, message_ids=mailed.unqueued if mailed else [])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.RECORDED,
        text=incident.symptoms,
        data={
            "caller": caller.full_name,
            "channel": channel,
            "impact": impact,
            "urgency": urgency,
            "priority": incident.priority,
            "serious": incident.serious,
            **({"serious_reason": serious_reason.strip()} if serious and priority != Priority.CRITICAL else {}),
            "cis": [ci.name for ci in cis],
            "service": service.name if service else None,
            "parent": parent.number if parent else None,
            "service_level": incident.service_level.name if incident.service_level else None,
            "response_due_at": incident.response_due_at.isoformat() if incident.response_due_at else None,
            "resolution_due_at": incident.resolution_due_at.isoformat() if incident.resolution_due_at else None,
        },
        mailed=mailed,
        subscriptions=config.subscriptions,
    )
    if parent is not None:
        master = incident_lock(parent.pk)
        counted = _count_on_master(master, affected_users)
        journal_write(
            master,
            by=by,
            kind=ActivityKind.SUBORDINATE_RECORDED,
            text=_("%(number)s recorded as a subordinate: %(summary)s")
            % {"number": incident.number, "summary": incident.short_description},
            data={"subordinate": incident.number, "caller": caller.full_name, **counted},
            versioned=bool(counted),
            subscriptions=config.subscriptions,
        )
        if raise_parent:
            _raise_priority(
                by=by,
                incident=master,
                impact=impact,
                urgency=urgency,
                reason=_("Raised with subordinate %(number)s.") % {"number": incident.number},
            )
        if master_impact is not None:
            incident_accept_impact(by=by, incident_id=parent.pk, impact=master_impact)
    return incident


@transaction.atomic
def incident_accept_impact(*, by: AbstractBaseUser, incident_id: int, impact: int) -> Incident:
    """Raise an incident's impact to what the evidence of its calls proposes (``incidents.recording.evidence``).

    The proposal is worked out again here, under the lock: the operator accepts what the evidence says
    now, never more. Raises ``ValidationError`` when it no longer supports ``impact`` (nothing written).
    """
    ensure_may_record(by)
    incident = incident_lock(incident_id, related=["service"])
    ensure_gate_open(incident, "accept_impact")
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
    """Raise (never lower) impact and urgency, recompute the priority, journal what changed; the changed fields."""
    raised = ["impact", "urgency", "priority"]
    before, was_serious = values_of(incident, raised), incident.serious
    incident.impact = raise_to(incident.impact, impact) if impact else incident.impact
    incident.urgency = raise_to(incident.urgency, urgency) if urgency else incident.urgency
    incident.priority = priority_for(incident.impact, incident.urgency, selectors.priority_matrix())
    changed = diff(before, values_of(incident, raised))
    if not changed:
        return []
    incident.serious = serious_at(incident.priority, serious=was_serious)
    if incident.serious != was_serious:
        changed["serious"] = [was_serious, incident.serious]
    due_times = clock.clock_recompute(incident=incident, reason=reason) if "priority" in changed else {}
    incident_save(incident, [*raised, "serious"])
    journal_write(
        incident, by=by, kind=ActivityKind.PRIORITY_CHANGED, text=reason, data={**changed, **due_times}, versioned=True
    )
    return list(changed)


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

    The call becomes a journal entry (caller, symptoms, time), the affected-user count grows (on a
    subordinate, its master's too, journaled there), and the operator may raise, never lower, impact and
    urgency; the priority is recomputed and the change journaled. The caller becomes one of the incident's
    people (unless they are already): mailed its number now, and kept informed like its own caller. Raises
    ``PermissionDenied`` for anyone but the desk, ``ValidationError`` when the incident is no longer open or a
    value is out of range.
    """
    ensure_may_record(by)
    incident, master = _lock_with_master(incident_id)
    ensure_gate_open(incident, "add_call")
    if not incident.is_open:
        raise ValidationError(_("%(number)s is no longer open: record a new incident.") % {"number": incident.number})
    for name, value, scale in (("impact", impact, Impact), ("urgency", urgency, Urgency)):
        if value is not None and value not in scale.values:
            raise ValidationError({name: _("Choose a value from high (1) to low (3).")})
    if affected_users < 0:
        raise ValidationError({"affected_users": _("The number of affected users cannot be negative.")})

    incident.affected_users += affected_users
    incident_save(incident, ["affected_users"])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.CALL_ADDED,
        text=symptoms.strip(),
        data={"caller": caller.full_name, "caller_id": caller.pk, "affected_users_added": affected_users},
        versioned=True,
    )
    _keep_informed(incident, caller=caller, by=by)
    if master is not None and (counted := _count_on_master(master, affected_users)):
        journal_write(
            master,
            by=by,
            kind=ActivityKind.FIELD_CHANGED,
            text=ngettext(
                "%(count)d more affected user, from a call added to subordinate %(number)s.",
                "%(count)d more affected users, from a call added to subordinate %(number)s.",
                affected_users,
            )
            % {"count": affected_users, "number": incident.number},
            data={**counted, "subordinate": incident.number},
            versioned=True,
        )
    _raise_priority(by=by, incident=incident, impact=impact, urgency=urgency, reason=_("Raised after another call."))
    return incident


def _keep_informed(incident: Incident, *, caller: Contact, by: AbstractBaseUser) -> None:
    """Make the caller of an added call one of the incident's people, and tell them its number."""
    if caller.pk == incident.caller_id or incident.people.filter(contact=caller).exists():
        return
    IncidentPerson.objects.create(incident=incident, contact=caller, reason=PersonReason.CALL_ADDED, added_by=by)
    person = person_of_contact(caller, reason=PersonReason.CALL_ADDED, incident_id=incident.pk)
    if (mailed := mails.person_call_added(incident, person=person)) is not None:
        journal_mailed(incident, mailed, by=by)


def _lock_with_master(incident_id: int) -> tuple[Incident, Incident | None]:
    """The incident and, for a subordinate, its master: both locked in id order, as every writer locks them."""
    parent_id = Incident.objects.filter(pk=incident_id).values_list("parent_id", flat=True).first()
    if parent_id is not None:
        incidents_lock([incident_id, parent_id])
    incident = incident_lock(incident_id)
    # A subordinate never changes its master; one attached while this waited is locked after it, as the
    # attaching desk has committed by then.
    return incident, incident_lock(incident.parent_id) if incident.parent_id else None


def _count_on_master(master: Incident, users: int) -> dict[str, list[int]]:
    """Count a subordinate's affected users (or a call's on it) on its master, whose count is everyone the
    outage affects (decision record 0013): saved, and the change for the master's journal entry (none for
    no user)."""
    if not users:
        return {}
    before = master.affected_users
    master.affected_users += users
    incident_save(master, ["affected_users"])
    return {"affected_users": [before, master.affected_users]}


@transaction.atomic
def incidents_attach(
    *, by: AbstractBaseUser, master_id: int, incident_ids: Sequence[int], raise_master: bool = False
) -> list[Incident]:
    """Make ``master_id`` the master incident of the others (a storm of calls about one outage).

    Each attached incident gets its parent set and a journal entry; the master gets one entry naming them
    all, and counts their affected users in its own (journaled on that entry). ``raise_master`` raises the
    master's impact and urgency to the highest among the attached ones (never lowers them). Raises
    ``PermissionDenied`` for anyone but the desk and ``ValidationError`` when the master or one of the
    others cannot take part (closed, already a subordinate, itself a master); nothing is written then.
    Returns the attached incidents.
    """
    ensure_may_record(by)
    ids = sorted(set(incident_ids) - {master_id})
    if not ids:
        raise ValidationError({"incidents": _("Choose at least one incident to attach to the master.")})
    locked = incidents_lock([master_id, *ids])
    for incident in locked.values():
        ensure_gate_open(incident, "attach_to_master")
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
        incident_save(incident, ["parent"])
        journal_write(
            incident,
            by=by,
            kind=ActivityKind.ATTACHED_TO_MASTER,
            text=_("Attached to master incident %(number)s: %(summary)s")
            % {"number": master.number, "summary": master.short_description},
            data={"parent": [None, master.number]},
            versioned=True,
        )
    numbers = [incident.number for incident in attached]
    counted = _count_on_master(master, sum(incident.affected_users for incident in attached))
    journal_write(
        master,
        by=by,
        kind=ActivityKind.SUBORDINATE_ATTACHED,
        text=_("Declared the master incident of %(numbers)s.") % {"numbers": ", ".join(numbers)},
        data={"subordinates": numbers, **counted},
        versioned=bool(counted),
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
