"""Incident templates (decision record 0054): the desk's frequent calls, managed by the desk and its managers,
chosen on the call-logging page. Each write keeps the version as a revision in the same transaction; none is
deleted, deactivating takes it out of the logging page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cmdb.models import Service
from incidents.choices import Impact, Urgency
from incidents.models import IncidentTemplate, IncidentTemplateRevision
from knowledge.models import Category

PICKER_LIMIT = 200  # the logging page's select; a desk with more frequent calls than this has a search problem


def templates_to_pick() -> list[IncidentTemplate]:
    """The active templates, by name, for the call-logging page (one query)."""
    return list(IncidentTemplate.objects.filter(active=True).only("pk", "name").order_by("name", "id")[:PICKER_LIMIT])


def template_list(*, q: str = "", show: str = "active") -> QuerySet[IncidentTemplate]:
    rows = IncidentTemplate.objects.select_related("service", "category", "updated_by")
    if show in ("active", "inactive"):
        rows = rows.filter(active=show == "active")
    for word in q.split()[:8]:
        rows = rows.filter(Q(name__icontains=word) | Q(short_description__icontains=word) | Q(symptoms__icontains=word))
    return rows.order_by("name", "id")


def template_revisions(template: IncidentTemplate) -> QuerySet[IncidentTemplateRevision]:
    return template.revisions.select_related("by").order_by("-at", "-id")


def template_filling(template: IncidentTemplate) -> dict[str, Any]:
    """What the template fills in on the call-logging form, by field name (the service by id and name)."""
    return {
        "template": template.pk,
        "short_description": template.short_description,
        "symptoms": template.symptoms,
        "service": template.service_id or "",
        "service_text": template.service.name if template.service_id else "",
        "impact": template.impact,
        "urgency": template.urgency,
        "category": template.category.path_label if template.category_id else "",
    }


def may_manage(user: Any) -> bool:
    return user.has_perm("incidents.add_incidenttemplate") and user.has_perm("incidents.change_incidenttemplate")


def _check(template: IncidentTemplate) -> None:
    errors: dict[str, list[str]] = {}
    if not template.name.strip():
        errors["name"] = [_("A template needs a name.")]
    if not template.short_description.strip():
        errors["short_description"] = [_("A template needs a short description.")]
    # A retired service or category keeps an inactive template as it was: it is offered again once changed.
    if template.active and template.service is not None and not template.service.active:
        errors["service"] = [_("The service “%(name)s” is no longer active.") % {"name": template.service.name}]
    if template.active and template.category is not None and not template.category.active:
        errors["category"] = [_("The category “%(name)s” is no longer used.") % {"name": template.category.name}]
    if template.impact not in Impact.values:
        errors["impact"] = [_("Choose an impact.")]
    if template.urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    if errors:
        raise ValidationError(errors)
    template.validate_constraints()  # the name, whatever its case, once


def _keep_revision(template: IncidentTemplate, by: Any) -> None:
    fields = {
        "name": template.name,
        "short_description": template.short_description,
        "symptoms": template.symptoms,
        "service": template.service.name if template.service else "",
        "category": template.category.path_label if template.category else "",
        "impact": template.impact,
        "urgency": template.urgency,
        "active": template.active,
    }
    IncidentTemplateRevision.objects.create(template=template, fields=fields, by=by)


@transaction.atomic
def incident_template_create(
    *,
    by: Any,
    name: str,
    short_description: str,
    symptoms: str = "",
    service: Service | None = None,
    category: Category | None = None,
    impact: int = Impact.LOW,
    urgency: int = Urgency.MEDIUM,
) -> IncidentTemplate:
    """A new active template. Raises PermissionDenied for a user who does not manage templates, ValidationError
    (by field) for an empty name or description, a name taken, or a retired service or category."""
    if not may_manage(by):
        raise PermissionDenied(_("Your role does not include managing incident templates."))
    template = IncidentTemplate(
        name=name.strip(),
        short_description=short_description.strip(),
        symptoms=symptoms,
        service=service,
        category=category,
        impact=impact,
        urgency=urgency,
        created_by=by,
        updated_by=by,
    )
    _check(template)
    template.save()
    _keep_revision(template, by)
    return template


@transaction.atomic
def incident_template_update(*, by: Any, template_id: int, active: bool, **fields: Any) -> IncidentTemplate:
    """Change a template (the fields of ``incident_template_create``) and whether it is offered. Raises as it
    does."""
    if not may_manage(by):
        raise PermissionDenied(_("Your role does not include managing incident templates."))
    template = IncidentTemplate.objects.select_for_update().get(pk=template_id)
    for name, value in fields.items():
        setattr(template, name, value.strip() if name in ("name", "short_description") else value)
    template.active, template.updated_by = active, by
    _check(template)
    template.save()
    _keep_revision(template, by)
    return template


def incident_template_deactivate(*, by: Any, template_id: int) -> IncidentTemplate:
    """Take a template off the logging page, keeping it, its history and the incidents logged from it."""
    return incident_template_update(by=by, template_id=template_id, active=False)
