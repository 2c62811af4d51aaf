"""The incident lifecycle: the only place where an incident's state changes (pages and the API call these).

One service per step of the lifecycle in DESIGN.md. Each is one transaction that

1. locks the incident (``select_for_update``; a resolution also locks the open subordinates, in id order
   as every writer of incidents does);
2. refuses a stale form: with ``expected_version`` (the version the form was opened at) a newer incident
   raises ``StaleIncident``, whose message says who changed what and when since, from the journal;
3. refuses a step the state does not allow, and every step of a serious incident whose management notice
   or user information is still pending (``ValidationError`` with a sentence);
4. refuses who may not take it (``PermissionDenied`` with a sentence): the transitions' ``permission=``
   rules in ``incidents.models``, the same ones that give the page its buttons;
5. refuses bad input by field (``ValidationError`` with a dict); nothing is written then;
6. calls the transition, bumps ``version``, saves, and writes the journal entry (``Activity``) with the
   author, the old and new values in ``data`` and ``incident_version``, the version after the change.

Mail goes after commit, journaled in the step's transaction (``incidents.confirmation``): each resolution
asks the caller of every incident it resolved to confirm the fix through two signed links; a reopening
through the caller's link tells the support group (or the desk owner). The resolution services return
every incident they resolved.

Decisions written down here:
- The caller reopens through a signed link: ``by=None, via_caller=True``; checking the signature is the
  link's view's job. The journal entry has no author and says ``"via": "caller_link"``.
- A first-line fix that did not hold comes back as *investigating* with no support group: the desk may
  resolve it at first line again or escalate it.
- Subordinates follow their master's resolution (code, notes and the master's links); a serious
  subordinate whose notices are pending holds the master's resolution up, as the rule says. The known
  error's usage counts the master only: the workaround was applied once.
- The caller's "it works" (``incident_confirm``) leaves the incident resolved: the desk closes it, or the
  automatic closure does, and both keep the caller's rating and comment unless the desk gives its own.
- Automatic closure uses the classification category as the root cause. An incident without one is not
  closed automatically (closing requires a root cause, and guessing one would spoil the figures): it stays
  resolved for the desk to close. A serious incident with pending notices is not closed either.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils import formats, timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, has_transition_perm

from cmdb.choices import SupportTier
from cmdb.models import Change, SupportGroup
from incidents import selectors
from incidents.callers import confirmation
from incidents.choices import (
    OPEN_STATES,
    ActivityKind,
    Impact,
    Priority,
    ResolutionCode,
    Satisfaction,
    State,
    Urgency,
    Visibility,
)
from incidents.mail import notifications
from incidents.models import (
    Activity,
    Incident,
    is_group_member,
    may_assign,
    may_handle,
    may_work,
    notices_sent,
    with_the_desk,
)
from incidents.priority import priority_for
from incidents.servicelevels import clock
from knowledge.models import Category, KnownError, Problem
from knowledge.services import known_error_record_use

# The steps in the order a page shows them; two are events, not transitions (no state change).
STEPS = ("classify", "resolve_at_first_line", "escalate", "acknowledge", "assign", "resolve", "reopen", "close")
RESOLUTION_FIELDS = ["resolution_code", "resolution_notes", "resolved_at", "known_error", "workaround", "change",
                     "problem"]  # fmt: skip
MAX_CHANGES_TOLD = 5
# Time spent is recorded per step or entry: more than a day on one is a typo.
MAX_MINUTES = 24 * 60


class StaleIncident(ValidationError):
    """The incident changed after the form was opened; the message says who changed what, and when.

    ``changes`` holds the journal entries written since ``expected_version``.
    """

    def __init__(self, incident: Incident, expected_version: int) -> None:
        self.number = incident.number
        self.expected_version = expected_version
        self.current_version = incident.version
        self.changes = list(
            incident.journal.filter(incident_version__gt=expected_version).select_related("author").order_by("id")
        )
        super().__init__(_stale_message(incident, self.changes), code="stale")


# --- the steps ----------------------------------------------------------------------------------------


@transaction.atomic
def incident_classify(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    category: Category | None,
    impact: int,
    urgency: int,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """Classify a recorded incident: category, impact and urgency; the priority follows from the desk's matrix.

    The top priority makes the incident serious (as at recording), so its notices are due before the next
    step. Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` for a retired or
    missing category or a value off the scale, ``StaleIncident`` for a stale form.
    """
    incident = _lock(incident_id, expected_version)
    _ensure_step(incident, "classify", by)
    errors: dict[str, list[str]] = {}
    if category is None:
        errors["category"] = [_("Choose a category.")]
    elif not category.active:
        errors["category"] = [_("%(category)s is retired; choose a current category.") % {"category": category}]
    check_scales(errors, impact=impact, urgency=urgency)
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    fields = ["state", "category", "impact", "urgency", "priority", "serious"]
    before = _values(incident, fields)
    priority = priority_for(impact, urgency, selectors.priority_matrix())
    _transition(incident, "classify", category=category, impact=impact, urgency=urgency, priority=priority)
    due_times = {}
    if before["priority"] != incident.priority:
        due_times = clock.clock_recompute(incident=incident, reason=_("The priority changed at classification."))
    _save(incident, fields)
    _journal(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        data={
            "step": "classify",
            **_diff(before, _values(incident, fields), always=("state", "category", "priority")),
            **due_times,
        },
        minutes_spent=minutes_spent,
    )
    return incident


@transaction.atomic
def incident_resolve_at_first_line(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    resolution_code: str,
    resolution_notes: str,
    known_error: KnownError | None = None,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> list[Incident]:
    """The desk resolves a classified incident itself, usually with a published known error's workaround.

    The known error is linked, its workaround recorded on the incident and its usage figures counted.
    Open subordinates are resolved with it. Returns the incidents resolved, this one first; after commit the
    caller of each gets the resolution with links to confirm or reject it (journaled here). Raises
    ``PermissionDenied`` for anyone but the desk, ``ValidationError`` for a missing code or notes or an
    unpublished known error.
    """
    incident, subordinates = _lock_with_subordinates(incident_id, expected_version)
    _ensure_step(incident, "resolve_at_first_line", by)
    errors = _resolution_errors(resolution_code, resolution_notes, minutes_spent)
    if known_error is not None and not known_error.published:
        errors["known_error"] = [
            _("%(known_error)s is not published; apply a published known error.") % {"known_error": known_error.number}
        ]
    raise_if(errors)
    _ensure_subordinates_may_follow(incident, subordinates)

    now = timezone.now()
    fields = ["state", *RESOLUTION_FIELDS]
    before = _values(incident, fields)
    _transition(
        incident,
        "resolve_at_first_line",
        code=resolution_code,
        notes=resolution_notes.strip(),
        known_error=known_error,
        at=now,
    )
    _stop_clock(incident, at=now)
    _save(incident, fields)
    _journal_resolution(incident, by=by, step="resolve_at_first_line", before=before, subordinates=subordinates,
                        minutes_spent=minutes_spent)  # fmt: skip
    if known_error is not None:
        known_error_record_use(known_error_id=known_error.pk)
    resolved = [incident, *_resolve_subordinates(by=by, master=incident, subordinates=subordinates, at=now)]
    confirmation.confirmation_requests_queue(resolved)
    return resolved


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
    incident = _lock(incident_id, expected_version)
    _ensure_step(incident, "escalate", by)
    errors: dict[str, list[str]] = {}
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
    before = _values(incident, fields)
    _transition(incident, "escalate", group=group)
    _save(incident, fields)
    clock.handoff_start(incident=incident, at=timezone.now())
    _journal(
        incident,
        by=by,
        kind=ActivityKind.ESCALATED,
        text=reason.strip(),
        data={
            "step": "escalate",
            **_diff(before, _values(incident, fields), always=("state", "assigned_group")),
            "tier": [old_tier, group.tier],
            # The group's mail and bell; the recipients and subject are journaled here.
            **notifications.group_assigned(incident, reason=reason.strip(), by=by),
        },
        minutes_spent=minutes_spent,
    )
    return incident


@transaction.atomic
def incident_acknowledge(*, by: AbstractBaseUser, incident_id: int, expected_version: int | None = None) -> Incident:
    """A member of the assigned group confirms receipt: records ``acknowledged_at`` (the response clock stops).

    No state change. Raises ``ValidationError`` when the incident is not under investigation by a group or
    was acknowledged already, ``PermissionDenied`` for anyone but the group's members.
    """
    incident = _lock(incident_id, expected_version)
    _ensure_group_work(incident, "acknowledge", by)
    if incident.acknowledged_at is not None:
        raise ValidationError(_already_acknowledged(incident), code="acknowledged")

    incident.acknowledged_at = timezone.now()
    # The group's receipt is the response of the service level and the acknowledgement of the handoff.
    clock.clock_respond(incident=incident, at=incident.acknowledged_at)
    clock.handoff_acknowledge(incident=incident, at=incident.acknowledged_at)
    _save(incident, ["acknowledged_at"])
    _journal(
        incident,
        by=by,
        kind=ActivityKind.ACKNOWLEDGED,
        data={"acknowledged_at": [None, incident.acknowledged_at.isoformat()], "group": incident.assigned_group.name},
    )
    return incident


@transaction.atomic
def incident_await_caller(
    *, by: AbstractBaseUser, incident_id: int, reason: str, expected_version: int | None = None
) -> Incident:
    """The incident waits on the caller (an answer, a test, a log file): the service-level clock pauses.

    The desk and the members of the assigned group may; the reason is journaled and shown on the page,
    and the caller is asked after commit (through the outbox). Raises ``PermissionDenied`` for anyone else,
    ``ValidationError`` for an incident that is not open or already waiting, or without a reason.
    """
    incident = _lock(incident_id, expected_version)
    _ensure_may_pause(incident, by)
    if incident.awaiting_caller_since is not None:
        raise ValidationError(
            _("%(number)s is already waiting on the caller.") % {"number": incident.number}, code="waiting"
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what the caller is asked for.")]})

    now = timezone.now()
    clock.clock_pause(incident=incident, at=now, reason=reason.strip())
    _save(incident, [])
    _journal(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=reason.strip(),
        data={"step": "await_caller", "awaiting_caller_since": [None, now.isoformat()]},
    )
    notifications.caller_awaiting_answer(incident, question=reason.strip())
    return incident


@transaction.atomic
def incident_resume(
    *,
    by: AbstractBaseUser | None,
    incident_id: int,
    note: str = "",
    via_caller: bool = False,
    expected_version: int | None = None,
) -> Incident:
    """The wait on the caller is over: the caller answered (``by=None, via_caller=True``, from the reply's
    link or mail) or the desk resumes (``by``). The clock runs again and the due times move by the business
    time it stood still; journaled. Raises ``PermissionDenied`` for anyone but the desk and the assigned
    group, ``ValidationError`` when the incident is not waiting.
    """
    if by is not None and via_caller:
        raise ValueError("An answer through the caller's link has no user: pass by=None.")
    incident = _lock(incident_id, expected_version)
    if by is None and not via_caller:
        raise PermissionDenied(_("Only the service desk, the assigned group or the caller may resume %(number)s.")
                               % {"number": incident.number})  # fmt: skip
    if by is not None:
        _ensure_may_pause(incident, by)
    if incident.awaiting_caller_since is None:
        raise ValidationError(_("%(number)s is not waiting on the caller.") % {"number": incident.number}, code="state")

    now = timezone.now()
    since = incident.awaiting_caller_since
    due_fields = ["response_due_at", "resolution_due_at"]
    before = _values(incident, due_fields)
    clock.clock_resume(incident=incident, at=now, reason=note.strip() or _("Resumed."))
    _save(incident, [])
    _journal(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=note.strip(),
        visibility=Visibility.CUSTOMER if via_caller else Visibility.INTERNAL,
        data={
            "step": "resume",
            "via": "caller_link" if via_caller else "desk",
            "awaiting_caller_since": [since.isoformat(), None],
            **_diff(before, _values(incident, due_fields)),
        },
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
    incident = _lock(incident_id, expected_version)
    if not by.has_perm("incidents.escalate_incident"):
        raise PermissionDenied(_("Only the service desk may take %(number)s back.") % _context(incident))
    if incident.state != State.INVESTIGATING or incident.assigned_group_id is None:
        raise ValidationError(_("%(number)s is not with a support group.") % _context(incident), code="state")
    if not notices_sent(incident):
        raise ValidationError(CONDITION_REFUSALS[notices_sent] % _context(incident), code="notices_sent")
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the desk takes it back.")]})

    fields = ["assigned_group", "assignee", "acknowledged_at"]
    before = _values(incident, fields)
    clock.handoff_end(incident=incident, at=timezone.now())
    incident.assigned_group, incident.assignee, incident.acknowledged_at = None, None, None
    _save(incident, fields)
    _journal(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=reason.strip(),
        data={"step": "take_back", **_diff(before, _values(incident, fields), always=("assigned_group",))},
    )
    return incident


def may_take_back(incident: Incident, user: Any) -> bool:
    """The desk takes back what a group holds, unless the serious-incident gate is closed (as for every step)."""
    return _group_work_possible(incident) and user.has_perm("incidents.escalate_incident")


def may_pause(incident: Incident, user: Any) -> bool:
    """The desk and the members of the assigned group put an open incident on hold for the caller."""
    return incident.is_open and may_handle(incident, user)


def _ensure_may_pause(incident: Incident, by: AbstractBaseUser) -> None:
    if not incident.is_open:
        raise ValidationError(
            _("%(number)s is %(state)s: only an open incident waits on the caller.") % _context(incident), code="state"
        )
    if not may_pause(incident, by):
        raise PermissionDenied(
            _("Only the service desk or members of the assigned group may put %(number)s on hold.") % _context(incident)
        )


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
    incident = _lock(incident_id, expected_version)
    _ensure_group_work(incident, "assign", by)
    errors: dict[str, list[str]] = {}
    if assignee is None:
        errors["assignee"] = [_("Choose who works on it.")]
    elif not assignee.is_active or not is_group_member(incident, assignee):
        errors["assignee"] = [
            _("%(name)s is not a member of %(group)s, the assigned group.")
            % {"name": _name(assignee), **_context(incident)}
        ]
    elif assignee.pk == incident.assignee_id:
        errors["assignee"] = [
            _("%(number)s is already assigned to %(name)s.") % {"name": _name(assignee), **_context(incident)}
        ]
    raise_if(errors)

    before = _values(incident, ["assignee"])
    incident.assignee = assignee
    _save(incident, ["assignee"])
    _journal(
        incident,
        by=by,
        kind=ActivityKind.ASSIGNED,
        data=_diff(before, _values(incident, ["assignee"]), always=("assignee",)),
    )
    return incident


@transaction.atomic
def incident_resolve(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    resolution_code: str,
    resolution_notes: str,
    change: Change | None = None,
    problem: Problem | None = None,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> list[Incident]:
    """The assigned group resolves an incident under investigation, optionally naming a change and a problem.

    Every open subordinate is resolved with it (same code and notes), in the same transaction. Returns the
    incidents resolved, this one first; after commit the caller of each gets the resolution with links to
    confirm or reject it (journaled here). Raises ``PermissionDenied`` for anyone but the group's members,
    ``ValidationError`` for a missing code or notes.
    """
    incident, subordinates = _lock_with_subordinates(incident_id, expected_version)
    _ensure_step(incident, "resolve", by)
    raise_if(_resolution_errors(resolution_code, resolution_notes, minutes_spent))
    _ensure_subordinates_may_follow(incident, subordinates)

    now = timezone.now()
    fields = ["state", *RESOLUTION_FIELDS]
    before = _values(incident, fields)
    _transition(
        incident, "resolve", code=resolution_code, notes=resolution_notes.strip(), change=change, problem=problem,
        at=now,
    )  # fmt: skip
    _stop_clock(incident, at=now)
    _save(incident, fields)
    _journal_resolution(incident, by=by, step="resolve", before=before, subordinates=subordinates,
                        minutes_spent=minutes_spent)  # fmt: skip
    resolved = [incident, *_resolve_subordinates(by=by, master=incident, subordinates=subordinates, at=now)]
    confirmation.confirmation_requests_queue(resolved)
    return resolved


@transaction.atomic
def incident_reopen(
    *,
    by: AbstractBaseUser | None,
    incident_id: int,
    reason: str,
    via_caller: bool = False,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """The fix did not hold: a resolved incident goes back to investigating, with the same group.

    By the desk (``by``), or by the caller through the signed link in the resolution mail (``by=None,
    via_caller=True``; the link's view checks the signature). The acknowledgement and the resolution are
    cleared (the journal keeps them). Reopened by the caller, the group (or, for a first-line fix, the desk
    owner) is mailed after commit (journaled here). Raises ``PermissionDenied`` for anyone else,
    ``ValidationError`` without a reason.
    """
    if by is not None and via_caller:
        raise ValueError("A reopening through the caller's link has no user: pass by=None.")
    incident = _lock(incident_id, expected_version)
    if by is None and not via_caller:
        raise PermissionDenied(_refusal(incident, "reopen"))
    _ensure_step(incident, "reopen", by)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Say why the fix did not hold.")]
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    fields = ["state", "acknowledged_at", "resolved_at", "resolution_code", "resolution_notes"]
    before = _values(incident, fields)
    _transition(incident, "reopen")
    now = timezone.now()
    clock.clock_restart(incident=incident, at=now, reason=reason.strip())
    if incident.assigned_group_id is not None:
        clock.handoff_start(incident=incident, at=now)  # the group acknowledges the reopened incident afresh
    _save(incident, fields)
    _journal(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=reason.strip(),
        # The caller's own words are theirs to see; the desk's reason is a work note.
        visibility=Visibility.CUSTOMER if via_caller else Visibility.INTERNAL,
        data={
            "step": "reopen",
            "via": "caller_link" if via_caller else "desk",
            **_diff(before, _values(incident, fields), always=("state",)),
            "assigned_group": incident.assigned_group.name if incident.assigned_group_id else None,
        },
        minutes_spent=minutes_spent,
    )
    if via_caller:
        confirmation.reopened_notify(incident, reason=reason.strip())
    return incident


@transaction.atomic
def incident_confirm(
    *, incident_id: int, resolved_at: datetime.datetime, satisfaction: int | None, comment: str = ""
) -> Incident:
    """The caller confirms through the signed link that the resolution at ``resolved_at`` works, and rates it.

    Records ``confirmed_at``, the satisfaction (1 to 5) and the optional comment, and journals it for the
    caller to see, with no author (``"via": "caller_link"``). The incident stays resolved: the desk, or the
    automatic closure, closes it and keeps the rating. The link's view checks the signature. Raises
    ``confirmation.CallerLinkRefused`` when the incident no longer waits for this answer (closed, reopened,
    resolved again since, or already confirmed), ``ValidationError`` for a rating off the scale. Sends
    nothing.
    """
    incident = _lock(incident_id, None)
    refusal = confirmation.caller_link_refusal(incident, resolved_at)
    if refusal is not None:
        raise confirmation.CallerLinkRefused(refusal, incident)
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": [_("Rate how we handled it, from 1 (very dissatisfied) to 5 (very satisfied).")]}
        )

    fields = ["confirmed_at", "satisfaction", "satisfaction_comment"]
    before = _values(incident, fields)
    incident.confirmed_at = timezone.now()
    incident.satisfaction = satisfaction
    incident.satisfaction_comment = comment.strip()
    _save(incident, fields)
    _journal(
        incident,
        by=None,
        kind=ActivityKind.CONFIRMED,
        text=incident.satisfaction_comment,
        visibility=Visibility.CUSTOMER,
        data={
            "via": "caller_link",
            "resolved_at": incident.resolved_at.isoformat(),
            **_diff(before, _values(incident, fields), always=("confirmed_at", "satisfaction")),
        },
    )
    return incident


@transaction.atomic
def incident_close(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    root_cause_category: Category | None,
    satisfaction: int | None = None,
    satisfaction_comment: str = "",
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """The desk closes a resolved incident: root-cause category (required), the caller's satisfaction (1 to 5)
    and comment (optional); the journal entry records the total time spent and the end time. Without a
    rating (or comment) from the desk, the one the caller gave through the "it works" link is kept.

    Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` without a current root-cause
    category or with a rating off the scale.
    """
    incident = _lock(incident_id, expected_version)
    _ensure_step(incident, "close", by)
    errors: dict[str, list[str]] = {}
    if root_cause_category is None:
        errors["root_cause_category"] = [_("Choose the root-cause category: closing requires it.")]
    elif not root_cause_category.active:
        errors["root_cause_category"] = [
            _("%(category)s is retired; choose a current category.") % {"category": root_cause_category}
        ]
    if satisfaction is not None and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Rate the caller's satisfaction from 1 (very dissatisfied) to 5 (very satisfied).")]
    check_minutes(errors, minutes_spent)
    raise_if(errors)
    return _close(
        incident,
        by=by,
        root_cause_category=root_cause_category,
        satisfaction=satisfaction,
        satisfaction_comment=satisfaction_comment.strip(),
        minutes_spent=minutes_spent,
        automatically=False,
    )


def incidents_due_for_automatic_closure(*, now: datetime.datetime | None = None, days: int | None = None) -> list[int]:
    """Ids of the incidents resolved more than ``days`` (``SERVICEDESK_AUTO_CLOSE_DAYS``) calendar days ago
    that may be closed automatically: with a classification category and no pending serious notices.
    The oldest resolution first."""
    now = now or timezone.now()
    days = settings.SERVICEDESK_AUTO_CLOSE_DAYS if days is None else days
    pending = Q(serious=True) & (Q(management_notified_at__isnull=True) | Q(users_informed_at__isnull=True))
    return list(
        Incident.objects.filter(
            state=State.RESOLVED, resolved_at__lt=now - datetime.timedelta(days=days), category__isnull=False
        )
        .exclude(pending)
        .order_by("resolved_at", "pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def incident_close_automatically(*, incident_id: int, days: int | None = None) -> Incident | None:
    """Close a resolved incident the caller has not rejected within ``days`` (for the periodic task).

    No author; ``closed_automatically`` is set and the root cause is the classification category. Does
    nothing and returns ``None`` when the incident is no longer due (reopened, resolved again, closed by
    the desk), has no category, or is a serious incident with pending notices: the desk closes those.
    """
    days = settings.SERVICEDESK_AUTO_CLOSE_DAYS if days is None else days
    incident = _lock(incident_id, None)
    due = timezone.now() - datetime.timedelta(days=days)
    if (
        incident.state != State.RESOLVED
        or incident.resolved_at is None
        or incident.resolved_at >= due
        or incident.category_id is None
        or not notices_sent(incident)
    ):
        return None
    return _close(
        incident,
        by=None,
        root_cause_category=incident.category,
        satisfaction=None,
        satisfaction_comment="",
        minutes_spent=0,
        automatically=True,
        text=_("Closed automatically: the caller did not reject the fix within %(days)s days.") % {"days": days},
    )


def available_steps(*, incident: Incident, user: Any) -> list[str]:
    """The steps ``user`` may take on ``incident`` now, in ``STEPS`` order: the page's buttons.

    The transitions come from django-fsm (state, conditions, permission rules); acknowledge and assign
    from the same rules the services apply.
    """
    names = {transition.name for transition in incident.get_available_user_state_transitions(user)}
    if _group_work_possible(incident):
        if incident.acknowledged_at is None and may_work(incident, user):
            names.add("acknowledge")
        if may_assign(incident, user):
            names.add("assign")
    return [step for step in STEPS if step in names]


# --- checks -------------------------------------------------------------------------------------------

# Why a transition's condition refuses it, by condition (``incidents.models``).
CONDITION_REFUSALS = {
    notices_sent: gettext_lazy(
        "%(number)s is a serious incident: notify management and inform the affected users first."
    ),
    with_the_desk: gettext_lazy("%(number)s is with %(group)s: the group resolves it."),
}


def _locking() -> models.QuerySet[Incident]:
    # of=("self",): the joined group and category may be NULL, and PostgreSQL locks no outer-joined side.
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("assigned_group", "assignee", "category", "service_level")
        .defer("search_vector")
    )


def _lock(incident_id: int, expected_version: int | None) -> Incident:
    incident = _locking().get(pk=incident_id)
    _ensure_current(incident, expected_version)
    return incident


def _lock_with_subordinates(incident_id: int, expected_version: int | None) -> tuple[Incident, list[Incident]]:
    """The incident and its open subordinates (and theirs), locked in id order like every writer of incidents."""
    rows = list(_locking().filter(Q(pk=incident_id) | Q(parent_id=incident_id, state__in=OPEN_STATES)).order_by("pk"))
    incident = next((row for row in rows if row.pk == incident_id), None)
    if incident is None:
        raise Incident.DoesNotExist(f"no incident {incident_id}")
    _ensure_current(incident, expected_version)
    subordinates = [row for row in rows if row.pk != incident_id]
    # Subordinates attached while this waited for the lock, and subordinates of subordinates.
    seen, parents = {row.pk for row in rows}, [row.pk for row in rows]
    while parents:
        more = list(_locking().filter(parent_id__in=parents, state__in=OPEN_STATES).exclude(pk__in=seen).order_by("pk"))
        subordinates += more
        seen |= {row.pk for row in more}
        parents = [row.pk for row in more]
    return incident, subordinates


def _ensure_current(incident: Incident, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != incident.version:
        raise StaleIncident(incident, expected_version)


def ensure_step_allowed(*, incident: Incident, step: str, user: AbstractBaseUser) -> None:
    """Raise what the step's service would raise before it looks at any input: the page of a step calls it
    before showing the form, so that a refusal reads the same whether it comes early or on sending.

    ``ValidationError`` for the state or the serious-incident gate, ``PermissionDenied`` for who is asking.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    if step in GROUP_WORK:
        _ensure_group_work(incident, step, user)
        if step == "acknowledge" and incident.acknowledged_at is not None:
            raise ValidationError(_already_acknowledged(incident), code="acknowledged")
    else:
        _ensure_step(incident, step, user)


# Who may take each step, said when someone else tries (``_context`` fills the placeholders).
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


def _refusal(incident: Incident, step: str) -> str:
    if step == "escalate" and incident.assigned_group_id is not None:
        step = "escalate_from_group"
    return REFUSALS[step] % _context(incident)


def _ensure_step(incident: Incident, step: str, by: AbstractBaseUser | None) -> None:
    """State, then the transition's conditions (the serious-incident gate first), then who is acting.

    ``by=None`` is the system or the caller's link, whose authority the caller of the service checked.
    """
    method = getattr(incident, step)
    meta = method._django_fsm
    if not meta.has_transition(incident.state):
        raise ValidationError(_wrong_state(incident, meta), code="state")
    for condition in meta.get_transition(incident.state).conditions:
        if not condition(incident):
            raise ValidationError(CONDITION_REFUSALS[condition] % _context(incident), code=condition.__name__)
    if by is not None and not has_transition_perm(method, by):
        raise PermissionDenied(_refusal(incident, step))


def _ensure_group_work(incident: Incident, step: str, by: AbstractBaseUser) -> None:
    """Acknowledging and assigning: an incident under investigation by a group, the serious gate, and
    the group's members (the desk too, for assigning)."""
    done = GROUP_WORK_DONE[step]
    if incident.state != State.INVESTIGATING:
        message = _("%(number)s is %(state)s: only an incident a support group investigates can be %(done)s.")
        raise ValidationError(message % {**_context(incident), "done": done}, code="state")
    if incident.assigned_group_id is None:
        message = _("%(number)s is with the service desk: escalate it to a support group first.")
        raise ValidationError(message % _context(incident), code="state")
    if not notices_sent(incident):
        raise ValidationError(CONDITION_REFUSALS[notices_sent] % _context(incident), code="notices_sent")
    if not GROUP_WORK[step](incident, by):
        raise PermissionDenied(_refusal(incident, step))


def _group_work_possible(incident: Incident) -> bool:
    return incident.state == State.INVESTIGATING and incident.assigned_group_id is not None and notices_sent(incident)


def _ensure_subordinates_may_follow(incident: Incident, subordinates: Iterable[Incident]) -> None:
    for subordinate in subordinates:
        if not notices_sent(subordinate):
            raise ValidationError(
                _("%(subordinate)s, a subordinate of %(number)s, is a serious incident: notify management and "
                  "inform its affected users before resolving them.")
                % {"subordinate": subordinate.number, "number": incident.number},
                code="notices_sent",
            )  # fmt: skip


def _resolution_errors(code: str, notes: str, minutes_spent: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if code not in ResolutionCode.values:
        errors["resolution_code"] = [_("Choose how the incident was resolved.")]
    if not notes.strip():
        errors["resolution_notes"] = [_("Write the resolution for the caller.")]
    check_minutes(errors, minutes_spent)
    return errors


def check_minutes(errors: dict[str, list[str]], minutes_spent: int) -> None:
    """The time spent on a step or a journal entry: whole minutes, from none to a whole day."""
    if not 0 <= minutes_spent <= MAX_MINUTES:
        errors["minutes_spent"] = [
            _("Time spent is counted in minutes, from 0 to %(max)s (a whole day).") % {"max": MAX_MINUTES}
        ]


def check_scales(errors: dict[str, list[str]], *, impact: int, urgency: int) -> None:
    """Impact and urgency, each on the desk's scale from high (1) to low (3)."""
    if impact not in Impact.values:
        errors["impact"] = [_("Choose an impact from high (1) to low (3).")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency from high (1) to low (3).")]


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- writing ------------------------------------------------------------------------------------------


def _transition(incident: Incident, step: str, **kwargs: Any) -> None:
    try:
        getattr(incident, step)(**kwargs)
    except TransitionNotAllowed as error:  # the checks above come first; this is the safety net
        raise ValidationError(_wrong_state(incident, getattr(incident, step)._django_fsm), code="state") from error


def _save(incident: Incident, fields: list[str]) -> None:
    # The row is locked and was read under the lock, so ConcurrentTransitionMixin's state check holds. The
    # service-level fields go with every step: the clock functions set them before the save (incidents.sla).
    incident.version += 1
    incident.save(update_fields=[*dict.fromkeys([*fields, *clock.SLA_FIELDS]), "version", "updated_at"])


def _journal(
    incident: Incident,
    *,
    by: AbstractBaseUser | None,
    kind: str,
    data: dict[str, Any],
    text: str = "",
    visibility: str = Visibility.INTERNAL,
    minutes_spent: int = 0,
) -> Activity:
    return Activity.objects.create(
        incident=incident,
        kind=kind,
        author=by,
        text=text,
        data=data,
        visibility=visibility,
        minutes_spent=minutes_spent,
        incident_version=incident.version,
    )


def _journal_resolution(
    incident: Incident,
    *,
    by: AbstractBaseUser,
    step: str,
    before: dict[str, Any],
    subordinates: list[Incident],
    minutes_spent: int,
) -> None:
    after = _values(incident, list(before))
    _journal(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=incident.resolution_notes,
        visibility=Visibility.CUSTOMER,  # the resolution is written for the caller
        data={
            "step": step,
            **_diff(before, after, always=("state", "resolution_code")),
            "subordinates": [subordinate.number for subordinate in subordinates],
        },
        minutes_spent=minutes_spent,
    )


def _resolve_subordinates(
    *, by: AbstractBaseUser, master: Incident, subordinates: list[Incident], at: datetime.datetime
) -> list[Incident]:
    fields = ["state", *RESOLUTION_FIELDS]
    for subordinate in subordinates:
        before = _values(subordinate, fields)
        _transition(subordinate, "resolve_with_master", master=master, at=at)
        _stop_clock(subordinate, at=at)
        _save(subordinate, fields)
        _journal(
            subordinate,
            by=by,
            kind=ActivityKind.STATE_CHANGED,
            text=_("Resolved with its master incident %(master)s: %(notes)s")
            % {"master": master.number, "notes": master.resolution_notes},
            visibility=Visibility.CUSTOMER,
            data={
                "step": "resolve_with_master",
                "master": master.number,
                **_diff(before, _values(subordinate, fields), always=("state", "resolution_code")),
            },
        )
    return subordinates


def _stop_clock(incident: Incident, *, at: datetime.datetime) -> None:
    """A resolution stops the service-level clock and ends the group's handoff."""
    clock.clock_stop(incident=incident, at=at)
    clock.handoff_end(incident=incident, at=at)


def _close(
    incident: Incident,
    *,
    by: AbstractBaseUser | None,
    root_cause_category: Category,
    satisfaction: int | None,
    satisfaction_comment: str,
    minutes_spent: int,
    automatically: bool,
    text: str = "",
) -> Incident:
    fields = ["state", "root_cause_category", "satisfaction", "satisfaction_comment", "closed_at",
              "closed_automatically"]  # fmt: skip
    before = _values(incident, fields)
    # Whatever the caller said through the "it works" link stands unless the desk gives its own.
    satisfaction = incident.satisfaction if satisfaction is None else satisfaction
    satisfaction_comment = satisfaction_comment or incident.satisfaction_comment
    _transition(
        incident,
        "close",
        root_cause_category=root_cause_category,
        satisfaction=satisfaction,
        satisfaction_comment=satisfaction_comment,
        at=timezone.now(),
        automatically=automatically,
    )
    _save(incident, fields)
    spent = (incident.journal.aggregate(total=Sum("minutes_spent"))["total"] or 0) + minutes_spent
    _journal(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=text or satisfaction_comment,
        data={
            "step": "close",
            "via": "automatic" if automatically else "desk",
            **_diff(before, _values(incident, fields), always=("state", "root_cause_category", "closed_at")),
            "time_spent_minutes": spent,
            # The caller's "closed" mail; the recipients and subject are journaled here.
            **notifications.caller_closed(incident),
        },
        minutes_spent=minutes_spent,
    )
    return incident


# --- journal values and messages ----------------------------------------------------------------------


def _values(incident: Incident, fields: list[str]) -> dict[str, Any]:
    """What the journal shows of these fields: labels of related rows (as they were named then), raw values
    of choices, ISO times."""
    return {name: journal_value(getattr(incident, name)) for name in fields}


def journal_value(value: Any) -> Any:
    """One value as the journal keeps it (``_values``); ``services`` shows the details it corrects the same way."""
    if isinstance(value, Category):
        return value.path_label
    if isinstance(value, AbstractBaseUser):
        return _name(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _diff(before: dict[str, Any], after: dict[str, Any], *, always: Iterable[str] = ()) -> dict[str, list[Any]]:
    """``{"field": [old, new]}`` for the fields that changed, and for ``always`` whether or not they did."""
    keep = set(always)
    return {name: [before[name], after[name]] for name in before if name in keep or before[name] != after[name]}


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _context(incident: Incident) -> dict[str, str]:
    return {
        "number": incident.number,
        "state": str(State(incident.state).label).lower(),
        "group": incident.assigned_group.name if incident.assigned_group_id else "",
    }


def _wrong_state(incident: Incident, meta: Any) -> str:
    sources = [str(State(source).label).lower() for source in State if source in meta.transitions]
    transition = next(iter(meta.transitions.values()))
    return _("%(number)s is %(state)s: only %(sources)s incidents can be %(done)s.") % {
        **_context(incident),
        "sources": get_text_list(sources, _("or")),
        "done": transition.custom["done"],
    }


def _already_acknowledged(incident: Incident) -> str:
    entry = incident.journal.filter(kind=ActivityKind.ACKNOWLEDGED).select_related("author").order_by("id").last()
    when = _when(incident.acknowledged_at)
    if entry is not None and entry.author is not None:
        return _("%(number)s was already acknowledged by %(name)s (%(when)s).") % {
            "number": incident.number,
            "name": _name(entry.author),
            "when": when,
        }
    return _("%(number)s was already acknowledged (%(when)s).") % {"number": incident.number, "when": when}


def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M, H:i")


def _stale_message(incident: Incident, changes: list[Activity]) -> str:
    if not changes:
        return _("%(number)s was changed by someone else since you opened it. Reload it and try again.") % {
            "number": incident.number
        }
    told = [_told(entry) for entry in changes[:MAX_CHANGES_TOLD]]
    if len(changes) > MAX_CHANGES_TOLD:
        told.append(_("%(count)s more changes") % {"count": len(changes) - MAX_CHANGES_TOLD})
    return _("%(number)s has changed since you opened it: %(changes)s. Reload it and try again.") % {
        "number": incident.number,
        "changes": "; ".join(told),
    }


def _told(entry: Activity) -> str:
    """ "Sam Lindqvist escalated it to Network operations (27 Nov, 14:02)"."""
    data = entry.data or {}
    if entry.author is not None:
        who = _name(entry.author)
    elif data.get("via") == "caller_link":
        who = _("the caller")
    elif data.get("via") == "automatic":
        who = _("the automatic closure")
    else:
        who = _("someone")
    what = _what(entry.kind, data)
    return _("%(who)s %(what)s (%(when)s)") % {"who": who, "what": what, "when": _when(entry.created_at)}


def _what(kind: str, data: dict[str, Any]) -> str:
    def new(name: str) -> Any:
        return (data.get(name) or [None, None])[1]

    if kind == ActivityKind.CONFIRMED:
        return _("confirmed the fix")
    if kind == ActivityKind.ESCALATED:
        return _("escalated it to %(group)s") % {"group": new("assigned_group")}
    if kind == ActivityKind.ACKNOWLEDGED:
        return _("acknowledged it")
    if kind == ActivityKind.ASSIGNED:
        return _("assigned it to %(name)s") % {"name": new("assignee")}
    step = data.get("step")
    if step == "classify":
        priority = new("priority")
        return _("classified it as %(category)s, %(priority)s") % {
            "category": new("category"),
            "priority": Priority(priority).label if priority in Priority.values else "",
        }
    if step == "resolve_at_first_line":
        return _("resolved it at first line")
    if step == "resolve":
        return _("resolved it")
    if step == "resolve_with_master":
        return _("resolved it with its master %(master)s") % {"master": data.get("master")}
    if step == "reopen":
        return _("reopened it")
    if step == "close":
        return _("closed it")
    return str(ActivityKind(kind).label).lower() if kind in ActivityKind.values else kind
