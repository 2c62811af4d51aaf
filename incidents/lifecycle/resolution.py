"""Resolving: at first line by the desk or by the assigned group, subordinates with their master; the
caller's answer (it works, still broken) and reopening. Decision record 0002 says why it works this way."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Change
from incidents.callers import mails as caller_mails
from incidents.callers.links import Answer, CallerLink, caller_link_check
from incidents.choices import ActivityKind, ResolutionCode, Satisfaction, Visibility
from incidents.core.checks import Errors, check_minutes, raise_if
from incidents.core.gate import ensure_gate_open
from incidents.core.values import diff, values_of
from incidents.core.writes import (
    incident_lock,
    incident_lock_with_subordinates,
    incident_save,
    journal_mailed,
    journal_write,
)
from incidents.lifecycle.rules import ensure_step, ensure_subordinates_may_follow, refusal, transition
from incidents.mail import staff
from incidents.models import Incident
from incidents.servicelevels import clock, handoffs
from knowledge.models import KnownError, Problem
from knowledge.services import known_error_record_use

RESOLUTION_FIELDS = ["resolution_code", "resolution_notes", "resolved_at", "reopened_at", "known_error",
                     "workaround", "change", "problem"]  # fmt: skip


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
    incident, subordinates = incident_lock_with_subordinates(incident_id, expected_version=expected_version)
    ensure_step(incident, "resolve_at_first_line", by)
    errors = _resolution_errors(resolution_code, resolution_notes, minutes_spent)
    if known_error is not None and not known_error.published:
        errors["known_error"] = [
            _("%(known_error)s is not published; apply a published known error.") % {"known_error": known_error.number}
        ]
    raise_if(errors)
    ensure_subordinates_may_follow(incident, subordinates)

    now = timezone.now()
    fields = ["state", *RESOLUTION_FIELDS]
    before = values_of(incident, fields)
    transition(
        incident,
        "resolve_at_first_line",
        code=resolution_code,
        notes=resolution_notes.strip(),
        known_error=known_error,
        at=now,
    )
    _stop_clock(incident, at=now)
    incident_save(incident, fields)
    _journal_resolution(incident, by=by, step="resolve_at_first_line", before=before, subordinates=subordinates,
                        minutes_spent=minutes_spent)  # fmt: skip
    if known_error is not None:
        known_error_record_use(known_error_id=known_error.pk)
    resolved = [incident, *_resolve_subordinates(by=by, master=incident, subordinates=subordinates, at=now)]
    _ask_for_confirmation(resolved)
    return resolved


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
    incident, subordinates = incident_lock_with_subordinates(incident_id, expected_version=expected_version)
    ensure_step(incident, "resolve", by)
    raise_if(_resolution_errors(resolution_code, resolution_notes, minutes_spent))
    ensure_subordinates_may_follow(incident, subordinates)
    handoffs.acknowledge_first(incident, by=by, via="resolve")

    now = timezone.now()
    fields = ["state", *RESOLUTION_FIELDS]
    before = values_of(incident, fields)
    transition(
        incident, "resolve", code=resolution_code, notes=resolution_notes.strip(), change=change, problem=problem,
        at=now,
    )  # fmt: skip
    _stop_clock(incident, at=now)
    incident_save(incident, fields)
    _journal_resolution(incident, by=by, step="resolve", before=before, subordinates=subordinates,
                        minutes_spent=minutes_spent)  # fmt: skip
    resolved = [incident, *_resolve_subordinates(by=by, master=incident, subordinates=subordinates, at=now)]
    _ask_for_confirmation(resolved)
    return resolved


@transaction.atomic
def incident_reopen(
    *,
    by: AbstractBaseUser | None,
    incident_id: int,
    reason: str,
    via_caller: bool = False,
    person: str = "",
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """The fix did not hold: a resolved incident goes back to investigating, with the same group.

    By the desk (``by``), or by one of the incident's people through the signed link in their resolution mail
    (``by=None, via_caller=True``, ``person`` their name; the link's view checks the signature). The
    acknowledgement and the resolution are cleared (the journal keeps them). Reopened by the caller, the group
    (or, for a first-line fix, the desk owner) is mailed after commit (journaled here). Raises
    ``PermissionDenied`` for anyone else, ``ValidationError`` without a reason.
    """
    if by is not None and via_caller:
        raise ValueError("A reopening through the caller's link has no user: pass by=None.")
    incident = incident_lock(incident_id, expected_version=expected_version)
    if by is None and not via_caller:
        raise PermissionDenied(refusal(incident, "reopen"))
    ensure_step(incident, "reopen", by)
    errors: Errors = {}
    if not reason.strip():
        errors["reason"] = [_("Say why the fix did not hold.")]
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    fields = ["state", "acknowledged_at", "resolved_at", "resolution_code", "resolution_notes", "reopened_at"]
    before = values_of(incident, fields)
    now = timezone.now()
    transition(incident, "reopen", at=now)
    clock.clock_restart(incident=incident, at=now, reason=reason.strip())
    if incident.assigned_group_id is not None:
        handoffs.handoff_start(incident=incident, at=now)  # the group acknowledges the reopened incident afresh
    incident_save(incident, fields)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=reason.strip(),
        # The caller's own words are theirs to see; the desk's reason is a work note.
        visibility=Visibility.CUSTOMER if via_caller else Visibility.INTERNAL,
        data={
            "step": "reopen",
            "via": "caller_link" if via_caller else "desk",
            **({"from": person} if via_caller and person else {}),
            **diff(before, values_of(incident, fields), always=("state",)),
            "assigned_group": incident.assigned_group.name if incident.assigned_group_id else None,
        },
        minutes_spent=minutes_spent,
        versioned=True,
    )
    if via_caller:
        journal_mailed(incident, staff.reopened_by_caller(incident, reason=reason.strip(), person=person))
    return incident


@transaction.atomic
def incident_confirm(
    *, incident_id: int, resolved_at: datetime.datetime, satisfaction: int | None, comment: str = "", person: str = ""
) -> Incident:
    """The caller (or another of the incident's people, named ``person``) confirms through the signed link that
    the resolution at ``resolved_at`` works, and rates it.

    Records ``confirmed_at``, the satisfaction (1 to 5) and the optional comment, and journals it for the
    caller to see, with no author (``"via": "caller_link"``). The incident stays resolved: the desk, or the
    automatic closure, closes it and keeps the rating. The link's view checks the signature. Raises
    ``CallerLinkRefused`` when the incident no longer waits for this answer (closed, reopened, resolved again
    since, or already confirmed), ``ValidationError`` for a rating off the scale. Sends nothing.
    """
    incident = incident_lock(incident_id)
    caller_link_check(incident, CallerLink(incident_id, resolved_at, Answer.WORKS))
    ensure_gate_open(incident, "confirm")
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": [_("Rate how we handled it, from 1 (very dissatisfied) to 5 (very satisfied).")]}
        )

    fields = ["confirmed_at", "satisfaction", "satisfaction_comment"]
    before = values_of(incident, fields)
    incident.confirmed_at = timezone.now()
    incident.satisfaction = satisfaction
    incident.satisfaction_comment = comment.strip()
    incident_save(incident, fields)
    journal_write(
        incident,
        by=None,
        kind=ActivityKind.CONFIRMED,
        text=incident.satisfaction_comment,
        visibility=Visibility.CUSTOMER,
        data={
            "via": "caller_link",
            **({"from": person} if person else {}),
            "resolved_at": incident.resolved_at.isoformat(),
            **diff(before, values_of(incident, fields), always=("confirmed_at", "satisfaction")),
        },
        versioned=True,
    )
    return incident


def _resolution_errors(code: str, notes: str, minutes_spent: int) -> Errors:
    errors: Errors = {}
    if code not in ResolutionCode.values:
        errors["resolution_code"] = [_("Choose how the incident was resolved.")]
    if not notes.strip():
        errors["resolution_notes"] = [_("Write the resolution for the caller.")]
    check_minutes(errors, minutes_spent)
    return errors


def _journal_resolution(
    incident: Incident,
    *,
    by: AbstractBaseUser,
    step: str,
    before: dict[str, object],
    subordinates: list[Incident],
    minutes_spent: int,
) -> None:
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=incident.resolution_notes,
        visibility=Visibility.CUSTOMER,  # the resolution is written for the caller
        data={
            "step": step,
            **diff(before, values_of(incident, list(before)), always=("state", "resolution_code")),
            "subordinates": [subordinate.number for subordinate in subordinates],
        },
        minutes_spent=minutes_spent,
        versioned=True,
    )


def _resolve_subordinates(
    *, by: AbstractBaseUser, master: Incident, subordinates: list[Incident], at: datetime.datetime
) -> list[Incident]:
    fields = ["state", *RESOLUTION_FIELDS]
    for subordinate in subordinates:
        before = values_of(subordinate, fields)
        transition(subordinate, "resolve_with_master", master=master, at=at)
        _stop_clock(subordinate, at=at)
        incident_save(subordinate, fields)
        journal_write(
            subordinate,
            by=by,
            kind=ActivityKind.STATE_CHANGED,
            text=_("Resolved with its master incident %(master)s: %(notes)s")
            % {"master": master.number, "notes": master.resolution_notes},
            visibility=Visibility.CUSTOMER,
            data={
                "step": "resolve_with_master",
                "master": master.number,
                **diff(before, values_of(subordinate, fields), always=("state", "resolution_code")),
            },
            versioned=True,
        )
    return subordinates


def _stop_clock(incident: Incident, *, at: datetime.datetime) -> None:
    """A resolution stops the service-level clock and ends the group's handoff."""
    clock.clock_stop(incident=incident, at=at)
    handoffs.handoff_end(incident=incident, at=at)


def _ask_for_confirmation(resolved: list[Incident]) -> None:
    """The caller of each incident resolved is asked to confirm the fix (mailed after commit, journaled)."""
    for incident, mailed in caller_mails.confirmation_requests(resolved):
        journal_mailed(incident, mailed)
