"""Who may take a step of an incident, and the serious-incident gate: the ``conditions`` and ``permission``
rules of the transitions, asked by the lifecycle and by the pages' buttons alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from incidents.models.incident import Incident


def notices_sent(incident: Incident) -> bool:
    """The gate of every transition: a serious incident waits for its two notices."""
    return not incident.serious_notices_pending


def with_the_desk(incident: Incident) -> bool:
    """No support group has the incident (never escalated, or back from a first-line fix that did not hold)."""
    return incident.assigned_group_id is None


def is_group_member(incident: Incident, user: Any) -> bool:
    """``user`` is a member of the incident's assigned group."""
    if not user.is_authenticated or incident.assigned_group_id is None:
        return False
    return any(member.pk == user.pk for member in incident.assigned_group.members.all())


def may_classify(incident: Incident, user: Any) -> bool:
    return user.has_perm("incidents.classify_incident")


def may_resolve_at_first_line(incident: Incident, user: Any) -> bool:
    return user.has_perm("incidents.resolve_incident")


def may_work(incident: Incident, user: Any) -> bool:
    """The assigned group's work (acknowledge, resolve): its members, with the role's permission."""
    return user.has_perm("incidents.work_incident") and is_group_member(incident, user)


def may_handle(incident: Incident, user: Any) -> bool:
    """The desk on any incident, the assigned group's members on theirs: who writes in the journal,
    corrects details, links records and puts the incident on hold (each adds its own conditions)."""
    return user.is_authenticated and (user.has_perm("incidents.change_incident") or may_work(incident, user))


def may_escalate(incident: Incident, user: Any) -> bool:
    """The desk escalates any incident (it keeps ownership); a group passes on what it holds."""
    return user.has_perm("incidents.escalate_incident") or may_work(incident, user)


def may_assign(incident: Incident, user: Any) -> bool:
    return user.has_perm("incidents.assign_incident") or may_work(incident, user)


def may_reopen(incident: Incident, user: Any) -> bool:
    """The desk; the caller reopens through a signed link, which is checked where it is opened."""
    return user.has_perm("incidents.reopen_incident")


def may_close(incident: Incident, user: Any) -> bool:
    return user.has_perm("incidents.close_incident")


def nobody(incident: Incident, user: Any) -> bool:
    """Internal steps, taken by the lifecycle itself and never offered to a user."""
    return False
