"""Re-evaluating an incident's impact and urgency: the group working on it asks, the desk decides.

The desk set impact and urgency from the first call; the support group, deeper in, may find the fault
wider or narrower than that. It asks with a reason and the values it proposes; the desk, which owns the
incident and its priority, accepts (with the values it settles on, which may lower the priority too) or
declines with a note. Both halves are journaled; at most one request waits per incident.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import selectors
from incidents.choices import ActivityKind, ReevaluationOutcome, State
from incidents.core.checks import check_scales, raise_if
from incidents.core.gate import ensure_gate_open, gate_open
from incidents.core.values import diff, values_of
from incidents.core.writes import incident_lock, incident_save, journal_write
from incidents.models import Incident, Reevaluation, may_work
from incidents.priority import priority_for, serious_at
from incidents.servicelevels import clock


def may_request(incident: Incident, user: AbstractBaseUser) -> bool:
    return (
        incident.state == State.INVESTIGATING
        and gate_open(incident, "request_reevaluation")
        and may_work(incident, user)
    )


def may_decide(user: AbstractBaseUser) -> bool:
    return user.has_perm("incidents.classify_incident")


@transaction.atomic
def reevaluation_request(
    *, by: AbstractBaseUser, incident_id: int, impact: int, urgency: int, reason: str
) -> Reevaluation:
    """A member of the assigned group asks the desk to change impact and urgency, and says why.

    Raises ``PermissionDenied`` for anyone but the group's members while it investigates, and
    ``ValidationError`` without a reason, with values off the scale or equal to the current ones, or
    while another request waits.
    """
    incident = incident_lock(incident_id, members=True)
    ensure_gate_open(incident, "request_reevaluation")
    if not may_request(incident, by):
        raise PermissionDenied(
            _("Only members of the group investigating %(number)s may ask for a re-evaluation.")
            % {"number": incident.number}
        )
    errors: dict[str, list[str]] = {}
    check_scales(errors, impact=impact, urgency=urgency)
    if not reason.strip():
        errors["reason"] = [_("Say what you found that changes the impact or urgency.")]
    if not errors and (impact, urgency) == (incident.impact, incident.urgency):
        errors["impact"] = [_("These are already its impact and urgency.")]
    raise_if(errors)
    if incident.reevaluations.filter(outcome=ReevaluationOutcome.PENDING).exists():
        raise ValidationError(
            _("A re-evaluation of %(number)s already waits for the desk.") % {"number": incident.number}
        )

    request = Reevaluation.objects.create(
        incident=incident, requested_by=by, reason=reason.strip(), proposed_impact=impact, proposed_urgency=urgency
    )
    journal_write(
        incident,
        kind=ActivityKind.REEVALUATION_REQUESTED,
        by=by,
        text=request.reason,
        # The values it asks to change: one of them may stay as it is.
        data=diff({"impact": incident.impact, "urgency": incident.urgency}, {"impact": impact, "urgency": urgency}),
    )
    return request


@transaction.atomic
def reevaluation_decide(
    *,
    by: AbstractBaseUser,
    reevaluation_id: int,
    accept: bool,
    impact: int | None = None,
    urgency: int | None = None,
    note: str = "",
) -> Reevaluation:
    """The desk accepts a waiting request (with ``impact`` and ``urgency``, the proposal by default) or
    declines it (a note is required). Accepting recomputes the priority; the top priority makes the
    incident serious. Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` for a
    request already decided, a decline without a note or values off the scale.
    """
    if not may_decide(by):
        raise PermissionDenied(_("Only the service desk decides on a re-evaluation."))
    request = Reevaluation.objects.select_for_update().get(pk=reevaluation_id)
    incident = incident_lock(request.incident_id, members=True)
    ensure_gate_open(incident, "decide_reevaluation")
    if request.outcome != ReevaluationOutcome.PENDING:
        raise ValidationError(
            _("This re-evaluation was already %(outcome)s.") % {"outcome": request.get_outcome_display().lower()}
        )
    impact = request.proposed_impact if impact is None else impact
    urgency = request.proposed_urgency if urgency is None else urgency
    errors: dict[str, list[str]] = {}
    if accept:
        check_scales(errors, impact=impact, urgency=urgency)
    elif not note.strip():
        errors["note"] = [_("Say why the values stay as they are.")]
    raise_if(errors)

    data: dict[str, object] = {"outcome": ReevaluationOutcome.ACCEPTED if accept else ReevaluationOutcome.DECLINED}
    if accept:
        before = {"impact": incident.impact, "urgency": incident.urgency, "priority": incident.priority}
        incident.impact, incident.urgency = impact, urgency
        incident.priority = priority_for(impact, urgency, selectors.priority_matrix())
        incident.serious = serious_at(incident.priority, serious=incident.serious)
        if before["priority"] != incident.priority:
            data |= clock.clock_recompute(incident=incident, reason=_("The priority changed on re-evaluation."))
        incident_save(incident, ["impact", "urgency", "priority", "serious"])
        data |= diff(before, values_of(incident, list(before)))
    request.outcome = data["outcome"]
    request.decided_by, request.decided_at, request.decision_note = by, timezone.now(), note.strip()
    request.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.REEVALUATION_DECIDED,
        text=request.decision_note,
        data=data,
        versioned=accept,
    )
    return request
