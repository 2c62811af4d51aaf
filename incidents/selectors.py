"""Page-shaped reads of incidents."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from cmdb.models import ConfigurationItem
from incidents.models import Activity, Incident, PriorityRule
from incidents.priority import Matrix


def priority_matrix() -> Matrix:
    """The desk's matrix as configured (nine rows)."""
    return {(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()}


def incident_list() -> QuerySet[Incident]:
    return (
        Incident.objects.defer("search_vector", "symptoms")
        .select_related("caller", "service", "assigned_group", "parent")
        .order_by("-reported_at", "-id")
    )


def incident_detail() -> QuerySet[Incident]:
    return (
        Incident.objects.defer("search_vector")
        .select_related("caller__workplace", "location", "service", "desk_owner", "assigned_group", "parent")
        .prefetch_related(
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
            Prefetch("journal", queryset=Activity.objects.select_related("author").order_by("created_at", "id")),
            Prefetch("subordinates", queryset=Incident.objects.defer("search_vector").select_related("caller")),
        )
    )
