"""The lifecycle's steps as pages: one view maps a whitelisted step to its form and its service.

The incident page offers only the steps ``lifecycle.available_steps`` gives the user; a step asked for
anyway is refused with the sentence its service would say (403 for who, a message for state or the
serious-incident gate). Acknowledging and "assign to me" are one-click posts from the incident page;
their forms still carry the version the page showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from incidents import selectors
from incidents.choices import State
from incidents.forms.steps import (
    AcknowledgeForm,
    AssignForm,
    ClassifyForm,
    CloseForm,
    DetailsForm,
    EscalateForm,
    ReopenForm,
    ResolveAtFirstLineForm,
    ResolveForm,
    StepForm,
)
from incidents.lifecycle import classification, closure, escalation, resolution, rules
from incidents.models import Incident
from incidents.recording import details
from incidents.recording.review import incident_known_errors
from servicedesk.forms import add_errors


def _first_line_matches(incident: Incident) -> dict[str, Any]:
    """The published known errors ranked for this incident: shown when classifying, offered as the
    workaround to apply when resolving at first line."""
    return {"matches": incident_known_errors(incident)}


@dataclass(frozen=True)
class StepPage:
    """A step's page: its form, the service that takes it, and what the page says."""

    form: type[StepForm]
    service: Callable[..., Any]
    title: str
    button: str
    done: str
    form_extra: Callable[[Incident], dict[str, Any]] = field(default=lambda incident: {})

    def take(self, *, by: Any, incident: Incident, data: dict[str, Any]) -> None:
        arguments = {name: value for name, value in data.items() if name != "version"}
        self.service(by=by, incident_id=incident.pk, expected_version=data["version"], **arguments)


PAGES = {
    "classify": StepPage(
        ClassifyForm,
        classification.incident_classify,
        _("Classify %(number)s"),
        _("Classify"),
        _("%(number)s classified."),
        form_extra=_first_line_matches,
    ),
    "resolve_at_first_line": StepPage(
        ResolveAtFirstLineForm,
        resolution.incident_resolve_at_first_line,
        _("Resolve %(number)s at first line"),
        _("Apply and resolve"),
        _("%(number)s resolved; the caller is asked to confirm."),
        form_extra=_first_line_matches,
    ),
    "escalate": StepPage(
        EscalateForm, escalation.incident_escalate, _("Escalate %(number)s"), _("Escalate"), _("%(number)s escalated.")
    ),
    "acknowledge": StepPage(
        AcknowledgeForm,
        escalation.incident_acknowledge,
        _("Acknowledge %(number)s"),
        _("Acknowledge"),
        _("%(number)s acknowledged."),
    ),
    "assign": StepPage(
        AssignForm, escalation.incident_assign, _("Assign %(number)s"), _("Assign"), _("%(number)s assigned.")
    ),
    "resolve": StepPage(
        ResolveForm,
        resolution.incident_resolve,
        _("Resolve %(number)s"),
        _("Resolve"),
        _("%(number)s resolved; the caller is asked to confirm."),
    ),
    "reopen": StepPage(
        ReopenForm, resolution.incident_reopen, _("Reopen %(number)s"), _("Reopen"), _("%(number)s reopened.")
    ),
    "close": StepPage(CloseForm, closure.incident_close, _("Close %(number)s"), _("Close"), _("%(number)s closed.")),
}


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, number: str, name: str) -> HttpResponse:
    name = name.replace("-", "_")
    page = PAGES.get(name)
    if page is None:
        raise Http404
    incident = get_object_or_404(selectors.incident_for_step(), number=number)
    try:
        # PermissionDenied goes on to the 403 page with its sentence; state and gate go back to the incident.
        rules.ensure_step_allowed(incident=incident, step=name, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(incident.get_absolute_url())
    form = page.form(request.POST or None, incident=incident, **page.form_extra(incident))
    if request.method == "POST" and form.is_valid():
        try:
            page.take(by=request.user, incident=incident, data=form.cleaned_data)
        except ValidationError as error:  # StaleIncident too: its message says what changed since
            add_errors(form, error)
        else:
            messages.success(request, page.done % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    context = {"incident": incident, "form": form, "page": page, "title": page.title % {"number": incident.number}}
    return render(request, "incidents/step.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, number: str) -> HttpResponse:
    """Correct an incident's details (the desk, or the group working on it); a stale form is refused."""
    incident = get_object_or_404(selectors.incident_for_step(), number=number)
    if incident.state == State.CLOSED:
        messages.error(request, _("%(number)s is closed: its details are history.") % {"number": incident.number})
        return HttpResponseRedirect(incident.get_absolute_url())
    if not details.may_edit(incident, request.user):
        raise PermissionDenied(
            _("Only the service desk or the group working on %(number)s may change its details.")
            % {"number": incident.number}
        )
    form = DetailsForm(request.POST or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            details.incident_update(
                by=request.user, incident_id=incident.pk, expected_version=data.pop("version"), **data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(number)s updated.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    context = {
        "incident": incident,
        "form": form,
        "page": {"button": _("Save")},
        "title": _("Change the details of %(number)s") % {"number": incident.number},
    }
    return render(request, "incidents/step.html", context, status=400 if form.is_bound else 200)
