"""The lifecycle's steps as pages: one view maps a whitelisted step to its form and its service.

The incident page offers only the steps ``lifecycle.available_steps`` gives the user; a step asked for
anyway is refused with the sentence its service would say (403 for who, a message for state or the
serious-incident gate). Acknowledging and "assign to me" are one-click posts from the incident page;
their forms still carry the version the page showed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from incidents import selectors
from incidents.choices import State
from incidents.core.stale import refusal_status
from incidents.forms.steps import (
    DetailsForm,
)
from incidents.lifecycle import rules
from incidents.pages.steps import PAGES
from incidents.recording import details
from servicedesk.forms import add_errors

# What a link to a step may fill in (the desk's "it works" and "still broken" on a caller's reply).
PREFILLED = ("reason",)


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
    initial = {name: request.GET[name] for name in PREFILLED if name in request.GET}
    form = page.form(request.POST or None, incident=incident, initial=initial, **page.form_extra(incident))
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        try:
            page.take(by=request.user, incident=incident, data=form.cleaned_data)
        except ValidationError as error:  # StaleIncident too: its message says what changed since
            add_errors(form, error)
            status = refusal_status(error)
        else:
            messages.success(request, page.done % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    context = {"incident": incident, "form": form, "page": page, "title": page.title % {"number": incident.number}}
    return render(request, "incidents/step.html", context, status=status)


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
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            details.incident_update(
                by=request.user, incident_id=incident.pk, expected_version=data.pop("version"), **data
            )
        except ValidationError as error:
            add_errors(form, error)
            status = refusal_status(error)
        else:
            messages.success(request, _("%(number)s updated.") % {"number": incident.number})
            return HttpResponseRedirect(incident.get_absolute_url())
    context = {
        "incident": incident,
        "form": form,
        "page": {"button": _("Save")},
        "title": _("Change the details of %(number)s") % {"number": incident.number},
    }
    return render(request, "incidents/step.html", context, status=status)
