"""Who may take which step of the lifecycle, when, and what a refusal says.

The transitions' ``conditions`` and ``permission`` rules live on the model (``incidents.models``); here they
are asked in the order a person understands a refusal: the state first, then the serious-incident gate,
then who is asking. The page's buttons come from the same rules (``available_steps``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, has_transition_perm

from incidents.choices import ActivityKind, State
from incidents.core.gate import GATE_REFUSAL, ensure_gate_open, gate_open
from incidents.core.values import person_name, when
from incidents.models import Incident, may_assign, may_handle, may_work, notices_sent, with_the_desk

# The steps in the order a page shows them; two are events, not transitions (no state change).
STEPS = ("classify", "resolve_at_first_line", "escalate", "acknowledge", "assign", "resolve", "reopen", "close")

# Why a transition's condition refuses it, by condition (``incidents.models``).
CONDITION_REFUSALS = {
    notices_sent: GATE_REFUSAL,
    with_the_desk: gettext_lazy("%(number)s is with %(group)s: the group resolves it."),
}

# Who may take each step, said when someone else tries (``context`` fills the placeholders).
REFUSALS = {
    "classify": gettext_lazy("Only the service desk may classify %(number)s."),
    "resolve_at_first_line": gettext_lazy("Only the service desk may resolve %(number)s at first line."),
    "escalate": gettext_lazy("Only the service desk may escalate %(number)s."),
    "escalate_from_group": gettext_lazy(
        "Only the service desk or members of %(group)s, the assigned group, may escalate %(number)s."
    ),
    "acknowledge": gettext_lazy("Only members of %(group)s, the assigned group, may acknowledge %(number)s."),
    "assign": gettext_lazy("Only members of %(group)s, the assigned group, or the service desk may assign %(number)s."),
    "resolve": gettext_lazy("Only members of %(group)s, the assigned group, may resolve %(number)s."),
    "reopen": gettext_lazy(
        "Only the service desk, or the caller through the link in the resolution mail, may reopen %(number)s."
    ),
    "close": gettext_lazy("Only the service desk may close %(number)s."),
}
# The two events of a support group's work (no state change), and who may take them.
GROUP_WORK = {"acknowledge": may_work, "assign": may_assign}
GROUP_WORK_DONE = {"acknowledge": gettext_lazy("acknowledged"), "assign": gettext_lazy("assigned")}


def available_steps(*, incident: Incident, user: Any) -> list[str]:
    """The steps ``user`` may take on ``incident`` now, in ``STEPS`` order: the page's buttons.

    The transitions come from django-fsm (state, conditions, permission rules); acknowledge and assign
    from the same rules the services apply.
    """
    names = {transition.name for transition in incident.get_available_user_state_transitions(user)}
    if group_work_possible(incident):
        if incident.acknowledged_at is None and may_work(incident, user):
            names.add("acknowledge")
        if may_assign(incident, user):
            names.add("assign")
    return [step for step in STEPS if step in names]


def ensure_step_allowed(*, incident: Incident, step: str, user: AbstractBaseUser) -> None:
    """Raise what the step's service would raise before it looks at any input: the page of a step calls it
    before showing the form, so that a refusal reads the same whether it comes early or on sending.

    ``ValidationError`` for the state or the serious-incident gate, ``PermissionDenied`` for who is asking.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    if step in GROUP_WORK:
        ensure_group_work(incident, step, user)
        if step == "acknowledge" and incident.acknowledged_at is not None:
            raise ValidationError(already_acknowledged(incident), code="acknowledged")
    else:
        ensure_step(incident, step, user)


def ensure_step(incident: Incident, step: str, by: AbstractBaseUser | None) -> None:
    """Who is acting (their role, whatever the state: 403 first), then the state, the transition's conditions
    (the serious-incident gate first), then who is acting in this state.

    ``by=None`` is the system or the caller's link, whose authority the caller of the service checked.
    """
    method = getattr(incident, step)
    meta = method._django_fsm
    if by is not None and not any(transition.has_perm(incident, by) for transition in meta.transitions.values()):
        raise PermissionDenied(refusal(incident, step))
    if not meta.has_transition(incident.state):
        raise ValidationError(wrong_state(incident, meta), code="state")
    ensure_gate_open(incident, step)
    for condition in meta.get_transition(incident.state).conditions:
        if not condition(incident):
            raise ValidationError(CONDITION_REFUSALS[condition] % context(incident), code=condition.__name__)
    if by is not None and not has_transition_perm(method, by):
        raise PermissionDenied(refusal(incident, step))


def ensure_group_work(incident: Incident, step: str, by: AbstractBaseUser) -> None:
    """Acknowledging and assigning: an incident under investigation by a group, the serious gate, and
    the group's members (the desk too, for assigning)."""
    done = GROUP_WORK_DONE[step]
    if incident.assigned_group_id is not None and not GROUP_WORK[step](incident, by):
        raise PermissionDenied(refusal(incident, step))  # who first, whatever the state or the gate
    if incident.state != State.INVESTIGATING:
        message = _("%(number)s is %(state)s: only an incident a support group investigates can be %(done)s.")
        raise ValidationError(message % {**context(incident), "done": done}, code="state")
    if incident.assigned_group_id is None:
        message = _("%(number)s is with the service desk: escalate it to a support group first.")
        raise ValidationError(message % context(incident), code="state")
    ensure_gate_open(incident, step)
    if not GROUP_WORK[step](incident, by):
        raise PermissionDenied(refusal(incident, step))


def group_work_possible(incident: Incident) -> bool:
    return incident.state == State.INVESTIGATING and incident.assigned_group_id is not None and notices_sent(incident)


def ensure_subordinates_may_follow(incident: Incident, subordinates: Iterable[Incident]) -> None:
    for subordinate in subordinates:
        if not notices_sent(subordinate):
            raise ValidationError(
                _("%(subordinate)s, a subordinate of %(number)s, is a serious incident: notify management and "
                  "inform its affected users before resolving them.")
                % {"subordinate": subordinate.number, "number": incident.number},
                code="notices_sent",
            )  # fmt: skip


def may_take_back(incident: Incident, user: Any) -> bool:
    """The desk takes back what a group holds, unless the serious-incident gate is closed (as for every step)."""
    return group_work_possible(incident) and user.has_perm("incidents.escalate_incident")


def may_pause(incident: Incident, user: Any) -> bool:
    """The desk and the members of the assigned group put an open incident on hold for the caller."""
    return incident.is_open and gate_open(incident, "await_caller") and may_handle(incident, user)


def ensure_may_pause(incident: Incident, by: AbstractBaseUser) -> None:
    if not incident.is_open:
        raise ValidationError(
            _("%(number)s is %(state)s: only an open incident waits on the caller.") % context(incident), code="state"
        )
    if not may_handle(incident, by):
        raise PermissionDenied(
            _("Only the service desk or members of the assigned group may put %(number)s on hold.") % context(incident)
        )


def transition(incident: Incident, step: str, **kwargs: Any) -> None:
    """Call the step's transition on the model (fields only, never a save)."""
    try:
        getattr(incident, step)(**kwargs)
    except TransitionNotAllowed as error:  # the checks above come first; this is the safety net
        raise ValidationError(wrong_state(incident, getattr(incident, step)._django_fsm), code="state") from error


# --- what a refusal says ------------------------------------------------------------------------------


def refusal(incident: Incident, step: str) -> str:
    if step == "escalate" and incident.assigned_group_id is not None:
        step = "escalate_from_group"
    return REFUSALS[step] % context(incident)


def context(incident: Incident) -> dict[str, str]:
    """The placeholders of the refusals: the number, the state in words, the assigned group."""
    return {
        "number": incident.number,
        "state": str(State(incident.state).label).lower(),
        "group": incident.assigned_group.name if incident.assigned_group_id else "",
    }


def wrong_state(incident: Incident, meta: Any) -> str:
    sources = [str(State(source).label).lower() for source in State if source in meta.transitions]
    first = next(iter(meta.transitions.values()))
    return _("%(number)s is %(state)s: only %(sources)s incidents can be %(done)s.") % {
        **context(incident),
        "sources": get_text_list(sources, _("or")),
        "done": first.custom["done"],
    }


def already_acknowledged(incident: Incident) -> str:
    entry = incident.journal.filter(kind=ActivityKind.ACKNOWLEDGED).select_related("author").order_by("id").last()
    moment = when(incident.acknowledged_at, "j M, H:i")
    if entry is not None and entry.author is not None:
        return _("%(number)s was already acknowledged by %(name)s (%(when)s).") % {
            "number": incident.number,
            "name": person_name(entry.author),
            "when": moment,
        }
    return _("%(number)s was already acknowledged (%(when)s).") % {"number": incident.number, "when": moment}
