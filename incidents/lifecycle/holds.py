"""Waiting on the caller: the clock pauses while the desk or the group waits for an answer, and runs again
when the caller answers through the mailed link or the desk resumes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.callers import mails as caller_mails
from incidents.callers.links import CallerLink, caller_link_check
from incidents.choices import ActivityKind, Visibility
from incidents.core.gate import ensure_gate_open
from incidents.core.values import diff, values_of
from incidents.core.writes import incident_lock, incident_save, journal_mailed, journal_write
from incidents.lifecycle.rules import ensure_may_pause
from incidents.models import Incident
from incidents.servicelevels import clock


@transaction.atomic
def incident_await_caller(
    *, by: AbstractBaseUser, incident_id: int, reason: str, expected_version: int | None = None
) -> Incident:
    """The incident waits on the caller (an answer, a test, a log file): the service-level clock pauses.

    The desk and the members of the assigned group may; the reason is journaled and shown on the page,
    and the caller is asked after commit (through the outbox). Raises ``PermissionDenied`` for anyone else,
    ``ValidationError`` for an incident that is not open or already waiting, or without a reason.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_gate_open(incident, "await_caller")
    ensure_may_pause(incident, by)
    if incident.awaiting_caller_since is not None:
        raise ValidationError(
            _("%(number)s is already waiting on the caller.") % {"number": incident.number}, code="waiting"
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what the caller is asked for.")]})

    now = timezone.now()
    clock.clock_pause(incident=incident, at=now, reason=reason.strip())
    incident_save(incident, [])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=reason.strip(),
        data={"step": "await_caller", "awaiting_caller_since": [None, now.isoformat()]},
        versioned=True,
    )
    mailed = caller_mails.caller_awaiting_answer(incident, question=reason.strip())
    if mailed is not None:
        journal_mailed(incident, mailed)
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
    link) or the desk resumes (``by``). The clock runs again and the due times move by the business
    time it stood still; journaled. Raises ``PermissionDenied`` for anyone but the desk and the assigned
    group, ``ValidationError`` when the incident is not waiting.
    """
    if by is not None and via_caller:
        raise ValueError("An answer through the caller's link has no user: pass by=None.")
    incident = incident_lock(incident_id, expected_version=expected_version)
    if by is None and not via_caller:
        raise PermissionDenied(_("Only the service desk, the assigned group or the caller may resume %(number)s.")
                               % {"number": incident.number})  # fmt: skip
    ensure_gate_open(incident, "caller_reply" if via_caller else "resume")
    if by is not None:
        ensure_may_pause(incident, by)
    if incident.awaiting_caller_since is None:
        raise ValidationError(_("%(number)s is not waiting on the caller.") % {"number": incident.number}, code="state")

    now = timezone.now()
    since = incident.awaiting_caller_since
    due_fields = ["response_due_at", "resolution_due_at"]
    before = values_of(incident, due_fields)
    clock.clock_resume(incident=incident, at=now, reason=note.strip() or _("Resumed."))
    incident_save(incident, [])
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.FIELD_CHANGED,
        text=note.strip(),
        visibility=Visibility.CUSTOMER if via_caller else Visibility.INTERNAL,
        data={
            "step": "resume",
            "via": "caller_link" if via_caller else "desk",
            "awaiting_caller_since": [since.isoformat(), None],
            **diff(before, values_of(incident, due_fields)),
        },
        versioned=True,
    )
    return incident


@transaction.atomic
def incident_caller_reply(*, link: CallerLink, text: str) -> Incident:
    """The caller answers the desk's question through the mailed link: the answer is journaled for them to see
    (no author) and the clock runs again. Raises ``ValidationError`` without an answer, ``CallerLinkRefused``
    when the wait is over (answered, resumed by the desk, closed)."""
    incident = incident_lock(link.incident_id, related=["caller"])
    caller_link_check(incident, link)
    ensure_gate_open(incident, "caller_reply")
    if not text.strip():
        raise ValidationError({"answer": [_("Write your answer.")]})
    journal_write(
        incident,
        by=None,
        kind=ActivityKind.CALLER_REPLIED,
        text=text.strip(),
        visibility=Visibility.CUSTOMER,
        data={"via": "caller_link", "caller": incident.caller.full_name},
    )
    return incident_resume(by=None, incident_id=incident.pk, via_caller=True, note=_("The caller answered."))
