"""What the CMDB says about the CIs of a call while the operator logs it: the services each one affects, the
changes around now, and the service to propose (the most critical one affected, the nearest first)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from cmdb.impact import CRITICALITY_ORDER, AffectedService, affected_services, changes_around
from cmdb.models import Change, ConfigurationItem


@dataclass(frozen=True)
class CallContext:
    rows: list[dict]
    changes: list[Change]
    unknown: list[str]
    proposed_service: AffectedService | None = None
    other_services: list[AffectedService] = field(default_factory=list)


def call_context(ci_names: list[str]) -> CallContext:
    """The CIs named (unknown names listed apart), what each affects, the changes on them from 72 hours ago to
    24 ahead, and the service to propose: the most critical affected, then the nearest; the others offered."""
    cis = (
        list(ConfigurationItem.objects.filter(name__in=ci_names).only("id", "name").order_by("name"))
        if ci_names
        else []
    )
    rows = [{"ci": ci, "services": affected_services(ci_id=ci.pk)} for ci in cis]
    affected = {service.id: service for row in rows for service in reversed(row["services"])}
    ranked = sorted(affected.values(), key=lambda service: (_rank(service), service.depth, service.name))
    return CallContext(
        rows=rows,
        changes=changes_around(ci_ids=[ci.pk for ci in cis], moment=timezone.now()),
        unknown=sorted(set(ci_names) - {ci.name for ci in cis}, key=str.lower),
        proposed_service=ranked[0] if ranked else None,
        other_services=ranked[1:],
    )


def _rank(service: AffectedService) -> int:
    """The most critical first (``CRITICALITY_ORDER`` runs from critical to low)."""
    return (
        CRITICALITY_ORDER.index(service.criticality)
        if service.criticality in CRITICALITY_ORDER
        else len(CRITICALITY_ORDER)
    )
