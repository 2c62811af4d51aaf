"""Gathering calls under a master incident: the storm page, and accepting the impact the evidence proposes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from incidents.forms.recording import AcceptImpactForm, AttachForm
from incidents.models import Incident
from incidents.recording import calls, storms
from servicedesk.forms import add_errors


@require_http_methods(["GET", "POST"])
def storm(request: HttpRequest, scope: str, scope_id: int) -> HttpResponse:
    """The storm on a service or CI: the desk picks the master and attaches the others in one action.

    The choices on the form are all the open top-level incidents of that service or CI, not only the
    storm's, so that a form sent as the window slides on is still understood; the service checks each one.
    """
    calls.ensure_may_record(request.user)
    if scope not in storms.SCOPES:
        raise Http404
    found = storms.storm_on(scope=scope, scope_id=scope_id)
    candidates = storms.scoped_candidates(scope=scope, scope_id=scope_id)
    initial = {"master": found.master.number, "incidents": [i.number for i in found.others]} if found else {}
    form = AttachForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attached = calls.incidents_attach(
                by=request.user,
                master_id=data["master"].pk,
                incident_ids=[incident.pk for incident in data["incidents"]],
                raise_master=data["raise_master"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)d incidents attached to master incident %(number)s.")
                % {"count": len(attached), "number": data["master"].number},
            )
            return HttpResponseRedirect(data["master"].get_absolute_url())
    return render(request, "incidents/storm.html", {"storm": found, "form": form, "scope_label": storms.SCOPES[scope]})


@require_POST
def accept_impact(request: HttpRequest, number: str) -> HttpResponse:
    """The desk accepts the impact the evidence of an incident's calls proposes."""
    calls.ensure_may_record(request.user)
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    form = AcceptImpactForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose an impact from high (1) to low (3)."))
        calls.incident_accept_impact(by=request.user, incident_id=incident.pk, impact=form.cleaned_data["impact"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The impact of %(number)s was raised.") % {"number": number})
    return HttpResponseRedirect(incident.get_absolute_url())
