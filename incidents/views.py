"""Incident pages: logging a call, the list, the incident page, and the live priority on the form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from incidents import selectors, services
from incidents.choices import Priority
from incidents.filters import IncidentFilter
from incidents.forms import RecordIncidentForm
from incidents.priority import priority_for
from servicedesk.pages import DetailPage, ListPage


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """The call-logging page, for the service desk only (the refusal says why)."""
    services.ensure_may_record(request.user)
    form = RecordIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_record(
                by=request.user,
                caller=data["caller"],
                short_description=data["short_description"],
                symptoms=data["symptoms"],
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                service=data["service"],
                cis=data["cis"],
                location=data["location"],
                affected_users=data["affected_users"],
                impact=data["impact"],
                urgency=data["urgency"],
                serious=data["serious"],
                logging_seconds=form.logging_seconds(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("%(number)s recorded.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    return render(request, "incidents/record.html", {"form": form})


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def priority_preview(request: HttpRequest) -> HttpResponse:
    """The priority the matrix gives for the impact and urgency on the form (htmx, as they change)."""
    try:
        impact, urgency = int(request.GET.get("impact", "")), int(request.GET.get("urgency", ""))
        priority = priority_for(impact, urgency, selectors.priority_matrix())
    except ValueError:
        priority = None
    return render(request, "incidents/partials/priority.html", {"priority": priority})


class IncidentListView(ListPage):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilter
    template_name = "incidents/incident_list.html"

    def get_queryset(self):
        return selectors.incident_list()


class IncidentDetailView(DetailPage):
    permission_required = "incidents.view_incident"
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"
    slug_field = "number"
    slug_url_kwarg = "number"

    def get_queryset(self):
        return selectors.incident_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(priority_labels=dict(Priority.choices), **kwargs)
