"""Page-shaped reads of incidents."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from cmdb.models import ConfigurationItem
from incidents.choices import ReevaluationOutcome
from incidents.models import Activity, Attachment, Incident, PriorityRule, Reevaluation
from incidents.priority import Matrix


def priority_matrix() -> Matrix:
    """The desk's matrix as configured (nine rows)."""
    return {(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()}


def incident_list() -> QuerySet[Incident]:
    return (
        # Of the master, the list shows the number: not its words and their index entry.
        Incident.objects.defer("search_vector", "symptoms", "parent__search_vector", "parent__symptoms")
        .select_related("caller", "service", "assigned_group", "assignee", "parent")
        .order_by("-reported_at", "-id")
    )


def incident_detail() -> QuerySet[Incident]:
    return (
        Incident.objects.defer("search_vector")
        .select_related("caller__workplace", "location", "service", "desk_owner", "assigned_group", "parent")
        .select_related("service_level")
        .select_related(*LIFECYCLE_RELATIONS)
        .prefetch_related(
            # The lifecycle's permission rules read the group's members: prefetched, they cost no query.
            Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk")),
            Prefetch(
                "reevaluations",
                queryset=Reevaluation.objects.filter(outcome=ReevaluationOutcome.PENDING).select_related(
                    "requested_by"
                ),
                to_attr="pending_reevaluations",
            ),
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
            Prefetch("journal", queryset=journal_entries()),
            Prefetch("subordinates", queryset=Incident.objects.defer("search_vector").select_related("caller")),
        )
        .annotate(minutes_spent_total=minutes_spent_total())
    )


def incident_for_api() -> QuerySet[Incident]:
    """An incident as the API gives it whole (``incidents.api``): the relations its answer names and the page's
    prefetches, with five joins where the page's ``incident_detail`` has eighteen. Planning a statement of eighteen
    joins takes PostgreSQL 13 ms and running it under 1; five take 1.5 ms, and each relation read by id
    afterwards (none when it is empty) well under 1 (bench/README.md, the API)."""
    return (
        Incident.objects.defer("search_vector", "parent__search_vector", "parent__symptoms")
        .select_related("caller", "service", "assigned_group", "assignee", "parent")
        .prefetch_related(
            *("location", "desk_owner", "category", "service_level", "known_error", "change", "problem"),
            Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk")),
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
            Prefetch("journal", queryset=journal_entries()),
            Prefetch("subordinates", queryset=Incident.objects.only("id", "number", "state", "parent_id")),
        )
        .annotate(minutes_spent_total=minutes_spent_total())
    )


def journal_entries() -> QuerySet[Activity]:
    """An incident's journal as the timeline shows it: authors and attachments loaded, oldest first."""
    return (
        Activity.objects.select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
    )


def minutes_spent_total() -> Coalesce:
    """The time spent on an incident, summed over its journal, as an annotation (``minutes_spent_total``)."""
    total = (
        Activity.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(total=Sum("minutes_spent"))
        .values("total")
    )
    return Coalesce(Subquery(total), 0)


# What the incident page and the step pages show of the lifecycle, loaded with the incident.
LIFECYCLE_RELATIONS = (
    "category__parent__parent",
    "root_cause_category__parent__parent",
    "assignee",
    "known_error",
    "change",
    "problem",
)


def incident_for_step() -> QuerySet[Incident]:
    """An incident as a step's page needs it: its lifecycle relations, its group's members, its CIs, and the
    service and location the details form shows by name."""
    return (
        Incident.objects.defer("search_vector")
        .select_related("caller", "service", "location", "assigned_group", *LIFECYCLE_RELATIONS)
        .prefetch_related(
            Prefetch("assigned_group__members", queryset=get_user_model().objects.order_by("pk")),
            Prefetch("cis", queryset=ConfigurationItem.objects.only("id", "name").order_by("name")),
        )
    )
