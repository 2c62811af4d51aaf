"""The group the desk is proposed when it escalates an incident, with the reason: the assignment rule that fits
best, else the CMDB's owner group of its CIs or its service. A proposal only: the desk chooses."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from cmdb.choices import SupportTier
from cmdb.models import SupportGroup
from incidents.models import AssignmentRule, Incident


@dataclass(frozen=True)
class GroupProposal:
    group: SupportGroup
    reason: str


def proposed_group(incident: Incident) -> GroupProposal | None:
    """The best-fitting active assignment rule (the one naming most of the incident's category, service and CIs,
    a deeper category before a wider one, then the first in the list); else the owner group of its CIs (by
    name), else of its service. Never the service desk, an inactive group or the group that has it already.
    A fixed number of queries, whatever the rules and CIs."""
    categories = _category_and_above(incident)
    ci_ids = [ci.pk for ci in incident.cis.all()]
    rules = (
        AssignmentRule.objects.filter(_escalable("group__", incident), active=True)
        .filter(Q(category__isnull=True) | Q(category__in=[category.pk for category in categories]))
        .filter(Q(service__isnull=True) | Q(service=incident.service_id))
        .filter(Q(ci__isnull=True) | Q(ci__in=ci_ids))
        .select_related("group", "category", "service", "ci")
    )
    depth = {category.pk: len(categories) - index for index, category in enumerate(categories)}
    best = min(
        rules,
        key=lambda rule: (
            -sum(part is not None for part in (rule.category_id, rule.service_id, rule.ci_id)),
            -depth.get(rule.category_id, 0),
            rule.position,
            rule.pk,
        ),
        default=None,
    )
    if best is not None:
        when = ", ".join(str(part) for part in (best.category, best.service, best.ci) if part is not None)
        return GroupProposal(best.group, _("the assignment rule for %(when)s") % {"when": when})
    owners = list(incident.cis.order_by("name").values_list("name", "owner_group"))
    service_owner = incident.service.owner_group_id if incident.service_id else None
    candidates = {owner for _name, owner in owners} | {service_owner}
    groups = {group.pk: group for group in SupportGroup.objects.filter(_escalable("", incident), pk__in=candidates)}
    for name, owner in owners:
        if owner in groups:
            return GroupProposal(groups[owner], _("it owns %(ci)s in the CMDB") % {"ci": name})
    if service_owner in groups:
        return GroupProposal(
            groups[service_owner], _("it owns the service %(service)s") % {"service": incident.service}
        )
    return None


def _escalable(prefix: str, incident: Incident) -> Q:
    condition = Q(**{f"{prefix}active": True, f"{prefix}tier__gt": SupportTier.SERVICE_DESK})
    if incident.assigned_group_id:
        condition &= ~Q(**{f"{prefix}pk": incident.assigned_group_id})
    return condition


def _category_and_above(incident: Incident) -> list:
    """The incident's category and the ones above it, the incident's own first (loaded with it)."""
    found, category = [], incident.category if incident.category_id else None
    while category is not None:
        found.append(category)
        category = category.parent if category.parent_id else None
    return found
