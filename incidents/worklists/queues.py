"""A support group's queue: the open incidents assigned to the groups a user belongs to.

In the order of what needs doing first (``QUEUE_ORDER``): unacknowledged first (a handoff no one has taken
yet), then by priority, then by the due time of the next target (the response until it is given, then the
resolution; incidents without one last). Tabs narrow it: not acknowledged yet, mine, the whole group's,
waiting on the caller, breached. Bulk actions take the same lifecycle steps as the incident page, one
incident at a time, each in its own transaction and journaled; what one refuses does not stop the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import selectors
from incidents.choices import OPEN_STATES
from incidents.lifecycle import escalation
from incidents.models import Incident
from servicedesk.tabs import Tab
from servicedesk.tabs import tab_named as tabs_named


def _breached(user: AbstractBaseUser, now: datetime.datetime) -> Q:
    late_response = Q(responded_at__isnull=True, response_due_at__lt=now)
    return Q(resolution_due_at__lt=now) | late_response | Q(resolution_met=False) | Q(response_met=False)


TABS = (
    Tab("unacknowledged", _("Not acknowledged"), _("Every incident of your groups is acknowledged."),
        lambda user, now: Q(acknowledged_at__isnull=True)),
    Tab("mine", _("Mine"), _("Nothing is assigned to you."), lambda user, now: Q(assignee=user)),
    Tab("group", _("My groups'"), _("Nothing open is assigned to your groups."), lambda user, now: Q()),
    Tab("awaiting", _("Waiting on the caller"), _("No incident waits on its caller."),
        lambda user, now: Q(awaiting_caller_since__isnull=False)),
    Tab("breached", _("Breached"), _("No target is breached."), _breached),
)  # fmt: skip


def tab_named(name: str | None, tabs: tuple[Tab, ...] | None = None) -> Tab:
    """The tab of that name among ``tabs`` (the queue's by default); the first when there is none."""
    return tabs_named(name, tabs or TABS)


def queue_scope(user: AbstractBaseUser) -> Q:
    return Q(state__in=OPEN_STATES, assigned_group__in=user.support_groups.all())


def queue_counts(user: AbstractBaseUser, *, now: datetime.datetime | None = None) -> dict[str, int]:
    """How many incidents each tab holds (one query)."""
    now = now or timezone.now()
    # The group counted rather than the id (never null here): it and every column the tabs test are in
    # ``incidents_open_queue_keys``, so the counts can be an index-only scan of the groups' open incidents.
    counts = {tab.name: Count("assigned_group", filter=tab.condition(user, now)) for tab in TABS}
    return Incident.objects.filter(queue_scope(user)).aggregate(**counts)


# What the queue page says of its order (the rule is ``queue``'s).
QUEUE_ORDER = _(
    "Not acknowledged first, then by priority, then by the next due time: the response until a member acknowledges "
    "it, then the resolution."
)


def next_due_at() -> Case:
    """The due time of the target the incident works towards now: the response until it is given, then the
    resolution (the time the queue's service-level column shows)."""
    return Case(
        When(responded_at__isnull=True, response_due_at__isnull=False, then=F("response_due_at")),
        default=F("resolution_due_at"),
    )


def queue(user: AbstractBaseUser, tab: Tab, *, now: datetime.datetime | None = None) -> QuerySet[Incident]:
    """The incidents of one tab, in the order of what needs doing first (``QUEUE_ORDER``)."""
    now = now or timezone.now()
    return (
        selectors.incident_list()
        .filter(queue_scope(user), tab.condition(user, now))
        .annotate(
            acknowledged=ExpressionWrapper(Q(acknowledged_at__isnull=False), output_field=BooleanField()),
            next_due_at=next_due_at(),
        )
        .order_by("acknowledged", "priority", F("next_due_at").asc(nulls_last=True), "reported_at", "id")
    )


# What a row of the queue page shows besides the incident: its group and assignee. The lists' callers, services and
# masters (``selectors.LIST_BY_ID``) are not on it, and would cost a statement each (and the callers' the most
# processor time of the page's statements to build).
PAGE_BY_ID = ("assigned_group", "assignee")


def for_the_page(rows: QuerySet[Incident]) -> QuerySet[Incident]:
    """The queue's rows with the relations the page shows, read by id for the page's rows (decision record 0040)."""
    return rows.prefetch_related(None).prefetch_related(*PAGE_BY_ID)


@dataclass
class BulkResult:
    """What a bulk action did: the incidents it changed, and why it left the others as they were."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


BULK_ACTIONS: dict[str, Callable[..., Any]] = {
    "acknowledge": lambda *, by, incident, assignee: escalation.incident_acknowledge(by=by, incident_id=incident.pk),
    "assign": lambda *, by, incident, assignee: escalation.incident_assign(
        by=by, incident_id=incident.pk, assignee=assignee
    ),
}


def queue_bulk(
    *, by: AbstractBaseUser, action: str, numbers: list[str], assignee: AbstractBaseUser | None = None
) -> BulkResult:
    """Take one step on several incidents of the user's queue; each is its own transaction.

    Incidents outside the user's queue are refused, like any step the lifecycle refuses (with its
    sentence); the rest go ahead.
    """
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    result = BulkResult()
    in_queue = Incident.objects.filter(queue_scope(by), number__in=numbers).only("pk", "number")
    found = {incident.number: incident for incident in in_queue}
    for number in dict.fromkeys(numbers):
        incident = found.get(number)
        if incident is None:
            result.refused.append((number, str(_("not in your groups' queue"))))
            continue
        try:
            BULK_ACTIONS[action](by=by, incident=incident, assignee=assignee)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            result.refused.append((number, reason))
        else:
            result.done.append(number)
    return result
