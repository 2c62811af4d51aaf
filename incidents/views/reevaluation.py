"""Re-evaluation pages: the group asks for other impact and urgency, the desk answers on the incident page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors
from incidents.forms.steps import ReevaluationDecisionForm, ReevaluationRequestForm
from incidents.lifecycle import reevaluation
from incidents.models import Reevaluation
from servicedesk.forms import add_errors


@require_http_methods(["GET", "POST"])
def request_reevaluation(request: HttpRequest, number: str) -> HttpResponse:
    incident = get_object_or_404(selectors.incident_for_step(), number=number)
    if not reevaluation.may_request(incident, request.user):
        raise PermissionDenied(
            _("Only members of the group investigating %(number)s may ask for a re-evaluation.")
            % {"number": incident.number}
        )
    form = ReevaluationRequestForm(
        request.POST or None, initial={"impact": incident.impact, "urgency": incident.urgency}
    )
    if request.method == "POST" and form.is_valid():
        try:
            reevaluation.reevaluation_request(by=request.user, incident_id=incident.pk, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The desk is asked to re-evaluate %(number)s.") % {"number": number})
            return HttpResponseRedirect(incident.get_absolute_url())
    context = {
        "incident": incident,
        "form": form,
        "page": {"button": _("Ask the desk")},
        "title": _("Ask for a re-evaluation of %(number)s") % {"number": number},
    }
    return render(request, "incidents/step.html", context, status=400 if form.is_bound else 200)


@require_POST
def decide_reevaluation(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The desk's answer from the incident page: accepted with the values on the form, or declined."""
    if not reevaluation.may_decide(request.user):
        raise PermissionDenied(_("Only the service desk decides on a re-evaluation."))
    waiting = get_object_or_404(Reevaluation.objects.select_related("incident"), pk=pk, incident__number=number)
    form = ReevaluationDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("decision") or _("Choose an impact and an urgency."))
        data = form.cleaned_data
        reevaluation.reevaluation_decide(
            by=request.user,
            reevaluation_id=waiting.pk,
            accept=data["decision"] == "accept",
            impact=data["impact"],
            urgency=data["urgency"],
            note=data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Re-evaluation of %(number)s answered.") % {"number": number})
    return HttpResponseRedirect(waiting.incident.get_absolute_url())
