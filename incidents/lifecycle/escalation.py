"""A support group's part: the desk escalates, a member acknowledges and assigns, the desk takes it back."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.choices import SupportTier
from cmdb.models import SupportGroup
from incidents.choices import ActivityKind, State
from incidents.core.checks import Errors, check_minutes, raise_if
from incidents.core.gate import ensure_gate_open
from incidents.core.values import diff, person_name, values_of
from incidents.core.writes import incident_lock, incident_save, journal_write
from incidents.lifecycle.rules import (
    already_acknowledged,
    context,
    ensure_group_work,
    ensure_step,
    transition,
)
from incidents.mail import staff
from incidents.models import Incident, is_group_member
from incidents.servicelevels import handoffs


@transaction.atomic
def incident_escalate(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    group: SupportGroup | None,
    reason: str,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """Hand a classified or investigated incident to a second- or third-line group; the desk stays the owner.

    A new handoff: the assignee and the acknowledgement are cleared, the new group acknowledges afresh.
    The desk escalates any incident, a group's members the ones their group holds. Raises
    ``PermissionDenied`` for anyone else, ``ValidationError`` for a missing reason, an inactive group,
    the service desk's own group or the group that already has it. Mails the group (outbox, after commit)
    and rings its members' bell; the recipients are on the escalation entry.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_step(incident, "escalate", by)
    errors: Errors = {}
    if group is None:
        errors["group"] = [_("Choose the support group to escalate to.")]
    elif not group.active:
        errors["group"] = [_("%(group)s is no longer active.") % {"group": group.name}]
    elif group.tier == SupportTier.SERVICE_DESK:
        errors["group"] = [
            _("%(group)s is the service desk, which keeps the incident anyway: escalate to a second- or "
              "third-line group.") % {"group": group.name}
        ]  # fmt: skip
    elif group.pk == incident.assigned_group_id:
        errors["group"] = [
            _("%(number)s is already with %(group)s: choose another group.")
            % {"number": incident.number, "group": group.name}
        ]
    if not reason.strip():
        errors["reason"] = [_("Say why the incident is escalated.")]
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    old_tier = incident.assigned_group.tier if incident.assigned_group_id else None
    fields = ["state", "assigned_group", "assignee", "acknowledged_at"]
    before = values_of(incident, fields)
    transition(incident, "escalate", group=group)
    incident_save(incident, fields)
    handoffs.handoff_start(incident=incident, at=timezone.now())
    mailed = staff.group_assigned(incident, reason=reason.strip(), by=by)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.ESCALATED,
        text=reason.strip(),
        data={
            "step": "escalate",
            **diff(before, values_of(incident, fields), always=("assigned_group",)),
            **({"tier": [old_tier, group.tier]} if group.tier != old_tier else {}),
        },
        minutes_spent=minutes_spent,
        mailed=mailed,
        versioned=True,
    )
    return incident


@transaction.atomic
def incident_acknowledge(*, by: AbstractBaseUser, incident_id: int, expected_version: int | None = None) -> Incident:
    """A member of the assigned group confirms receipt: records ``acknowledged_at`` (the response clock stops).

    No state change. Raises ``ValidationError`` when the incident is not under investigation by a group or
    was acknowledged already, ``PermissionDenied`` for anyone but the group's members.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_group_work(incident, "acknowledge", by)
    if incident.acknowledged_at is not None:
        raise ValidationError(already_acknowledged(incident), code="acknowledged")

    # The group's receipt is the response of the service level and the acknowledgement of the handoff.
    handoffs.receipt_record(incident, by=by, at=timezone.now())
    return incident


@transaction.atomic
def incident_assign(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    assignee: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> Incident:
    """Give the incident to one member of the assigned group (oneself or a colleague).

    Members of the group and the desk assign. Raises ``PermissionDenied`` for anyone else,
    ``ValidationError`` when the assignee is not an active member of the group or has it already.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_group_work(incident, "assign", by)
    errors: Errors = {}
    if assignee is None:
        errors["assignee"] = [_("Choose who works on it.")]
    elif not assignee.is_active or not is_group_member(incident, assignee):
        errors["assignee"] = [
            _("%(name)s is not a member of %(group)s, the assigned group.")
            % {"name": person_name(assignee), **context(incident)}
        ]
    elif assignee.pk == incident.assignee_id:
        errors["assignee"] = [
            _("%(number)s is already assigned to %(name)s.") % {"name": person_name(assignee), **context(incident)}
        ]
    raise_if(errors)

    handoffs.acknowledge_first(incident, by=by, via="assign")
    before = values_of(incident, ["assignee"])
    incident.assignee = assignee
    incident_save(incident, ["assignee"])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.ASSIGNED,
        data=diff(before, values_of(incident, ["assignee"]), always=("assignee",)),
        versioned=True,
    )
    return incident


@transaction.atomic
def incident_take_back(
    *, by: AbstractBaseUser, incident_id: int, reason: str, expected_version: int | None = None
) -> Incident:
    """The desk takes an escalated incident back from its group (a handoff not acknowledged in time, or the
    wrong group): no group holds it any more, the handoff ends (missed if it was overdue) and the desk may
    resolve it at first line or escalate it elsewhere. To pass it on, escalate it to another group.

    Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` when no group holds it or
    without a reason.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    if not by.has_perm("incidents.escalate_incident"):
        raise PermissionDenied(_("Only the service desk may take %(number)s back.") % context(incident))
    if incident.state != State.INVESTIGATING or incident.assigned_group_id is None:
        raise ValidationError(_("%(number)s is not with a support group.") % context(incident), code="state")
    ensure_gate_open(incident, "take_back")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the desk takes it back.")]})

    fields = ["assigned_group", "assignee", "acknowledged_at"]
    before = values_of(incident, fields)
    handoffs.handoff_end(incident=incident, at=timezone.now())
    incident.assigned_group, incident.assignee, incident.acknowledged_at = None, None, None
    incident_save(incident, fields)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=reason.strip(),
        data={"step": "take_back", **diff(before, values_of(incident, fields), always=("assigned_group",))},
        versioned=True,
    )
    return incident
