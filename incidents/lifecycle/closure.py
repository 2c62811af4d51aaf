"""Closing a resolved incident: by the desk, with the root cause and the caller's satisfaction, or
automatically when the caller has not rejected the fix in time (decision record 0002)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Change
from incidents.callers import mails as caller_mails
from incidents.choices import ActivityKind, ClosureReason, Satisfaction, State
from incidents.core.checks import Errors, check_minutes, raise_if
from incidents.core.values import diff, values_of
from incidents.core.writes import incident_lock, incident_save, journal_write
from incidents.lifecycle.rules import ensure_step, transition
from incidents.models import Incident, RootCause, notices_sent
from knowledge.models import Category


@transaction.atomic
def incident_close(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    root_cause: RootCause | None,
    root_cause_category: Category | None = None,
    cause_change: Change | None = None,
    reason: str = "",
    satisfaction: int | None = None,
    satisfaction_comment: str = "",
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """The desk closes a resolved incident with the root cause it found (and the change that caused it, when
    the cause says so), the category as it turned out (the classification's by default), and, for a caller
    who gave it by phone, their satisfaction (1 to 5), kept apart from the caller's own rating through the
    link, which is never overwritten. Closing before the caller confirmed and before the automatic closure
    would have needs a ``reason`` (``ClosureReason``). The journal entry records the total time spent, the
    end time and the reason.

    Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` by field for a missing or retired
    cause, a missing change, a retired category, a missing reason, a rating off the scale or a rating for a
    caller who rated it themselves.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_step(incident, "close", by)
    root_cause_category = root_cause_category or incident.category
    errors: Errors = {}
    if root_cause is None:
        errors["root_cause"] = [_("Choose the root cause: closing requires it.")]
    elif not root_cause.active:
        errors["root_cause"] = [_("%(cause)s is retired; choose a current root cause.") % {"cause": root_cause}]
    elif root_cause.needs_change and cause_change is None:
        errors["cause_change"] = [_("Name the change that caused it.")]
    if root_cause_category is None:
        errors["root_cause_category"] = [_("Choose the category it turned out to be.")]
    elif not root_cause_category.active:
        errors["root_cause_category"] = [
            _("%(category)s is retired; choose a current category.") % {"category": root_cause_category}
        ]
    if closing_early(incident) and reason not in ClosureReason.values:
        errors["reason"] = [
            _("The caller has not confirmed the fix and it is not due for automatic closure yet: say why it closes.")
        ]
    if satisfaction is not None and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Rate the caller's satisfaction from 1 (very dissatisfied) to 5 (very satisfied).")]
    elif satisfaction is not None and incident.satisfaction is not None:
        errors["satisfaction"] = [
            _("The caller rated it %(rating)s themselves through the link; their rating stands.")
            % {"rating": incident.satisfaction}
        ]
    check_minutes(errors, minutes_spent)
    raise_if(errors)
    return _close(
        incident,
        by=by,
        root_cause=root_cause,
        root_cause_category=root_cause_category,
        cause_change=cause_change if root_cause.needs_change else None,
        reason=reason if closing_early(incident) else "",
        satisfaction_by_phone=satisfaction,
        satisfaction_comment=satisfaction_comment.strip(),
        minutes_spent=minutes_spent,
        automatically=False,
    )


def closing_early(incident: Incident, *, now: datetime.datetime | None = None) -> bool:
    """Whether closing now comes before the caller confirmed the fix and before the automatic closure would:
    the desk then says why (``ClosureReason``)."""
    now = now or timezone.now()
    confirmed = (
        incident.confirmed_at is not None
        and incident.resolved_at is not None
        and (incident.confirmed_at >= incident.resolved_at)
    )
    due = incident.resolved_at is not None and incident.resolved_at < now - _auto_close_after()
    return not confirmed and not due


def _auto_close_after(days: int | None = None) -> datetime.timedelta:
    return datetime.timedelta(days=settings.SERVICEDESK_AUTO_CLOSE_DAYS if days is None else days)


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
    incident = incident_lock(incident_id)
    due = timezone.now() - _auto_close_after(days)
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
        root_cause=None,
        root_cause_category=incident.category,
        satisfaction_by_phone=None,
        satisfaction_comment=incident.satisfaction_comment,
        minutes_spent=0,
        automatically=True,
        text=_("Closed automatically: the caller did not reject the fix within %(days)s days.") % {"days": days},
    )


def _close(
    incident: Incident,
    *,
    by: AbstractBaseUser | None,
    root_cause: RootCause | None,
    root_cause_category: Category,
    satisfaction_by_phone: int | None,
    satisfaction_comment: str,
    minutes_spent: int,
    automatically: bool,
    cause_change: Change | None = None,
    reason: str = "",
    text: str = "",
) -> Incident:
    fields = ["state", "root_cause", "cause_change", "root_cause_category", "satisfaction_by_phone",
              "satisfaction_comment", "closure_reason", "closed_at", "closed_automatically"]  # fmt: skip
    before = values_of(incident, fields)
    # The caller's own comment through the "it works" link stands; the desk's is kept when they gave none.
    satisfaction_comment = incident.satisfaction_comment or satisfaction_comment
    transition(
        incident,
        "close",
        root_cause=root_cause,
        root_cause_category=root_cause_category,
        cause_change=cause_change,
        satisfaction_by_phone=satisfaction_by_phone,
        satisfaction_comment=satisfaction_comment,
        reason=reason,
        at=timezone.now(),
        automatically=automatically,
    )
    incident_save(incident, fields)
    spent = (incident.journal.aggregate(total=Sum("minutes_spent"))["total"] or 0) + minutes_spent
    mailed = caller_mails.caller_closed(incident)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        text=text or satisfaction_comment,
        data={
            "step": "close",
            "via": "automatic" if automatically else "desk",
            **diff(before, values_of(incident, fields), always=("state", "root_cause", "closed_at")),
            "time_spent_minutes": spent,
        },
        minutes_spent=minutes_spent,
        mailed=mailed,
        versioned=True,
    )
    return incident
