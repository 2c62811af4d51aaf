"""The service desk's own work list: the incidents it owns that wait on the desk, not on a group, in tabs whose
counts come from one query (decision record 0013)."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidents import selectors
from incidents.choices import NOT_CLOSED_STATES, ActivityKind, ReevaluationOutcome, State
from incidents.models import Activity, Incident, Reevaluation
from servicedesk.tabs import Tab


def _reopened_by_caller(user: object, now: object) -> Q:
    """Reopened by the caller since its last resolution, whoever had resolved it and whoever holds it now."""
    caller_reopened = Activity.objects.filter(
        incident=OuterRef("pk"),
        kind=ActivityKind.STATE_CHANGED,
        data__step="reopen",
        data__via="caller_link",
        created_at__gte=OuterRef("reopened_at"),
    )
    return Q(state=State.INVESTIGATING, reopened_at__isnull=False) & Q(Exists(caller_reopened))


def _replied_since_resolution() -> Q:
    """One of its people wrote since it was resolved."""
    replied = Activity.objects.filter(
        incident=OuterRef("pk"), kind=ActivityKind.CALLER_REPLIED, created_at__gte=OuterRef("resolved_at")
    )
    return Q(Exists(replied))


def _unconfirmed() -> Q:
    return Q(state=State.RESOLVED) & (Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=F("resolved_at")))


def _waiting_reevaluation(user: object, now: object) -> Q:
    # An uncorrelated IN: PostgreSQL hashes the few pending re-evaluations once, rather than probing for each
    # incident the counts read.
    pending = Reevaluation.objects.filter(outcome=ReevaluationOutcome.PENDING).values("incident_id")
    return Q(pk__in=pending)


# The queue's tabs (servicedesk.tabs.Tab): a condition of (user, now); the desk's do not depend on them.
TABS = (
    Tab("recorded", _("To classify"), _("Every recorded incident is classified."),
        lambda user, now: Q(state=State.RECORDED)),
    Tab("reopened", _("Reopened by the caller"), _("No caller has rejected a fix."), _reopened_by_caller),
    Tab("reevaluation", _("Re-evaluation asked"), _("No group waits for a re-evaluation."), _waiting_reevaluation),
    Tab("notices", _("Serious: notices due"), _("Every serious incident has its notices out."),
        lambda user, now: Q(serious=True)
        & (Q(management_notified_at__isnull=True) | Q(users_informed_at__isnull=True))),
    Tab("replied", _("Replied after the fix"), _("No caller wrote about a fix: nothing to decide."),
        lambda user, now: _unconfirmed() & _replied_since_resolution()),
    Tab("confirmed", _("Confirmed: close them"), _("No confirmed fix waits to be closed."),
        lambda user, now: Q(state=State.RESOLVED, confirmed_at__gte=F("resolved_at"))),
    Tab("unanswered", _("Resolved, caller silent"), _("No resolved incident waits for its caller."),
        lambda user, now: _unconfirmed() & ~_replied_since_resolution()),
)  # fmt: skip


def worklist_counts(*, owner_id: int | None) -> dict[str, int]:
    """How many incidents each tab holds (one query); ``owner_id`` limits to one operator's incidents."""
    counts = {tab.name: Count("pk", filter=tab.condition(None, None)) for tab in TABS}
    return Incident.objects.filter(_scope_condition(owner_id)).aggregate(**counts)


# What a row of the work list shows besides the incident: its caller and group, read by id for the page's rows
# (decision record 0040). The lists' services, assignees and masters are not on it, and would cost a statement each.
PAGE_BY_ID = ("caller", "assigned_group")


def worklist(*, tab: Tab, owner_id: int | None) -> QuerySet[Incident]:
    """The incidents of one tab, the most urgent first, then the oldest."""
    return (
        selectors.incident_list()
        .filter(_scope_condition(owner_id), tab.condition(None, None))
        .prefetch_related(None)
        .prefetch_related(*PAGE_BY_ID)
        .order_by("priority", "reported_at", "id")
    )


def _scope_condition(owner_id: int | None) -> Q:
    # The states listed, as the partial index ``incidents_desk_worklist`` is defined: a query that says "not
    # closed" cannot use it (PostgreSQL does not know that a state is one of the five).
    condition = Q(state__in=NOT_CLOSED_STATES)
    return condition & Q(desk_owner_id=owner_id) if owner_id else condition
