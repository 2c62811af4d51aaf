"""Incident pages: logging a call, the list, the incident page, and the live priority on the form."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget

from cmdb.impact import changes_on_cis
from cmdb.models import ConfigurationItem
from incidents import notices, selectors, services
from incidents.filters import IncidentFilter
from incidents.forms import AddCallForm, InformUsersForm, NewCallerForm, RecordIncidentForm
from incidents.models import Incident
from incidents.priority import priority_for
from incidents.similar import similar_incidents
from knowledge.matching import known_error_matches
from servicedesk.pages import DetailPage, ListPage


def _master(request: HttpRequest) -> Incident | None:
    """The master incident named by ``?parent=INC…`` ("record as subordinate of"), if any."""
    number = request.GET.get("parent", "").strip()
    if not number:
        return None
    return get_object_or_404(Incident.objects.defer("search_vector"), number=number)


@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """The call-logging page, for the service desk only (the refusal says why)."""
    services.ensure_may_record(request.user)
    parent = _master(request)
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
                parent=parent,
                raise_parent=data["raise_master"],
                logging_seconds=form.logging_seconds(),
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("%(number)s recorded.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    return _record_page(request, form, parent)


def _record_page(
    request: HttpRequest, form: RecordIncidentForm, parent: Incident | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "parent": parent, "new_caller": NewCallerForm(prefix="new_caller")}
    return render(request, "incidents/record.html", context, status=status)


@require_POST
def add_call(request: HttpRequest, number: str) -> HttpResponse:
    """ "Add this call to INC…": the call goes into that incident's journal instead of a duplicate."""
    services.ensure_may_record(request.user)
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    form = AddCallForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        symptoms = "\n\n".join(filter(None, [data["short_description"], data["symptoms"]]))
        try:
            services.incident_add_call(
                by=request.user,
                incident_id=incident.pk,
                caller=data["caller"],
                symptoms=symptoms,
                affected_users=data["affected_users"],
                impact=data["impact"],
                urgency=data["urgency"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The call was added to %(number)s.") % {"number": number})
            return HttpResponseRedirect(incident.get_absolute_url())
    # The logging form is on the page the operator came from; say what is missing and go back to it.
    for problems in form.errors.values():
        messages.error(request, " ".join(problems))
    return _record_page(request, RecordIncidentForm(request.POST), parent=None, status=400)


@require_POST
@permission_required("cmdb.add_contact", raise_exception=True)
def caller_create(request: HttpRequest) -> HttpResponse:
    """Add an unknown caller from the logging form (htmx): on success the new caller is chosen at once;
    otherwise the small form comes back with its errors."""
    form = NewCallerForm(request.POST, prefix="new_caller")
    if not form.is_valid():
        return retarget(render(request, "incidents/partials/new_caller.html", {"new_caller": form}), "#new-caller")
    contact = form.save()
    messages.success(request, _("%(name)s added as a caller.") % {"name": contact.full_name})
    return render(request, "incidents/partials/new_caller_chosen.html", {"contact": contact})


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def similar(request: HttpRequest) -> HttpResponse:
    """The panel beside the call-logging form (htmx, as the operator types): open incidents like this
    call, and the published known errors that match it."""
    text = " ".join(request.GET.get(name, "") for name in ("short_description", "symptoms")).strip()
    caller_id = _int(request.GET.get("caller_id"))
    service_id = _int(request.GET.get("service"))
    names = [line.strip() for line in request.GET.get("cis", "").splitlines() if line.strip()][:50]
    ci_ids = list(ConfigurationItem.objects.filter(name__in=names).values_list("pk", flat=True)) if names else []
    incidents = similar_incidents(text=text, caller_id=caller_id, service_id=service_id, ci_ids=ci_ids)
    known_errors = known_error_matches(text=text, service_id=service_id, ci_ids=ci_ids, limit=5) if text else []
    return render(
        request,
        "incidents/partials/similar.html",
        {"similar": incidents, "known_errors": known_errors, "asked": bool(text or caller_id or service_id or ci_ids)},
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


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


@require_POST
def notify_management(request: HttpRequest, number: str) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    try:
        notices.incident_notify_management(by=request.user, incident_id=incident.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Management has been notified."))
    return HttpResponseRedirect(incident.get_absolute_url())


@require_POST
def inform_users(request: HttpRequest, number: str) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    form = InformUsersForm(request.POST)
    if form.is_valid():
        try:
            notices.incident_inform_users(by=request.user, incident_id=incident.pk, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The affected users have been informed."))
    else:
        messages.error(request, _("Give the message a subject and a text."))
    return HttpResponseRedirect(incident.get_absolute_url())


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
        incident = self.object
        ci_ids = [ci.pk for ci in incident.cis.all()]
        window = (incident.reported_at - RECENT_CHANGES, incident.reported_at + UPCOMING_CHANGES)
        context: dict[str, Any] = {
            "changes": list(changes_on_cis(ci_ids=ci_ids, start=window[0], end=window[1])) if ci_ids else [],
        }
        if incident.serious_notices_pending:
            subject, body = notices.prepared_user_message(incident)
            context = {
                "management_recipients": notices.management_recipients(incident),
                "user_recipients": notices.affected_user_recipients(incident),
                "inform_form": InformUsersForm(initial={"subject": subject, "body": body}),
            }
        return super().get_context_data(**context, **kwargs)


# What the desk looks at for a CI in trouble: changes in the three days before the call, or the day after.
RECENT_CHANGES = datetime.timedelta(hours=72)
UPCOMING_CHANGES = datetime.timedelta(hours=24)
