"""Incident templates: the managed list, creating, changing and deactivating one (never deleting it), and the
filling the call-logging page asks for when the operator chooses one (static/js/incident-templates.js)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents.canned import incident_templates as templates
from incidents.forms.incident_templates import IncidentTemplateForm
from incidents.models import IncidentTemplate
from servicedesk.forms import add_errors

PAGE_SIZE = 50
SHOWS = ("active", "inactive", "all")


def _ensure(request: HttpRequest, *permissions: str) -> None:
    if not all(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied(_("Your role does not include incident templates."))


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _ensure(request, "incidents.view_incidenttemplate")
    q = request.GET.get("q", "").strip()[:200]
    show = request.GET.get("show") if request.GET.get("show") in SHOWS else "active"
    rows = templates.template_list(q=q, show=show).select_related("category__parent__parent")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "q": q,
        "show": show,
        "shows": [("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))],
        "query_string": urlencode({key: value for key, value in (("q", q), ("show", show)) if value}),
        "may_manage": templates.may_manage(request.user),
        "may_record": request.user.has_perm("incidents.add_incident"),
    }
    return render(request, "incidents/template_list.html", context)


def template_create(request: HttpRequest) -> HttpResponse:
    _ensure(request, "incidents.add_incidenttemplate", "incidents.change_incidenttemplate")
    form = IncidentTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = templates.incident_template_create(by=request.user, **form.template_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The template “%(name)s” is saved.") % {"name": template.name})
            return HttpResponseRedirect(reverse("incidents:template_list"))
    context = {"form": form, "heading": _("New incident template"), "cancel_url": reverse("incidents:template_list")}
    return render(request, "incidents/template_form.html", context, status=400 if form.errors else 200)


def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure(request, "incidents.add_incidenttemplate", "incidents.change_incidenttemplate")
    template = get_object_or_404(IncidentTemplate.objects.select_related("service", "category"), pk=pk)
    form = IncidentTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        fields = form.template_fields()
        try:
            templates.incident_template_update(
                by=request.user, template_id=pk, active=form.cleaned_data["active"], **fields
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The template “%(name)s” is saved.") % {"name": fields["name"]})
            return HttpResponseRedirect(reverse("incidents:template_list"))
    context = {
        "form": form,
        "template": template,
        "revisions": templates.template_revisions(template)[:20],
        "heading": _("Incident template: %(name)s") % {"name": template.name},
        "cancel_url": reverse("incidents:template_list"),
    }
    return render(request, "incidents/template_form.html", context, status=400 if form.errors else 200)


@require_POST
def template_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure(request, "incidents.add_incidenttemplate", "incidents.change_incidenttemplate")
    get_object_or_404(IncidentTemplate.objects.only("pk"), pk=pk)
    template = templates.incident_template_deactivate(by=request.user, template_id=pk)
    messages.success(
        request,
        _("The template “%(name)s” is no longer offered; its history is kept.") % {"name": template.name},
    )
    return HttpResponseRedirect(reverse("incidents:template_list"))


@require_GET
def template_filling(request: HttpRequest, pk: int) -> JsonResponse:
    """What an active template fills in on the call-logging form, for those who log calls."""
    _ensure(request, "incidents.add_incident", "incidents.view_incidenttemplate")
    rows = IncidentTemplate.objects.filter(active=True).select_related("service", "category__parent__parent")
    return JsonResponse(templates.template_filling(get_object_or_404(rows, pk=pk)))
