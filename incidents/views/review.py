"""The review panel's actions: link a known error, problem or change; promote a resolved incident to a
known error, prefilled from it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cmdb.models import Change
from incidents import selectors
from incidents.models import Incident
from incidents.recording import details, review
from knowledge.forms import KnownErrorForm
from knowledge.models import KnownError, Problem

LINKABLE = {"known_error": KnownError, "problem": Problem, "change": Change}


@require_POST
def link(request: HttpRequest, number: str) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    model = LINKABLE.get(request.POST.get("kind", ""))
    target = model.objects.filter(number=request.POST.get("number", "").strip()).first() if model else None
    if target is None:
        messages.error(request, _("Nothing to link under that number."))
        return HttpResponseRedirect(incident.get_absolute_url())
    try:
        details.incident_link(by=request.user, incident_id=incident.pk, target=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(target)s linked to %(number)s.") % {"target": target.number, "number": number})
    return HttpResponseRedirect(incident.get_absolute_url())


@require_http_methods(["GET", "POST"])
def promote(request: HttpRequest, number: str) -> HttpResponse:
    """A new known error written from a resolved incident, then linked to it (one transaction)."""
    incident = get_object_or_404(selectors.incident_for_step(), number=number)
    if not review.may_promote(incident, request.user):
        raise PermissionDenied(
            _("Only the service desk or the group that resolved %(number)s may promote it to a known error, once.")
            % {"number": number}
        )
    form = KnownErrorForm(request.POST or None, initial=_prefill(incident))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            known_error = form.save()
            details.incident_link(by=request.user, incident_id=incident.pk, target=known_error)
        messages.success(
            request,
            _("%(known_error)s written from %(number)s; publish it when it is checked.")
            % {"known_error": known_error.number, "number": number},
        )
        return HttpResponseRedirect(known_error.get_absolute_url())
    heading = _("Known error from %(number)s") % {"number": number}
    context = {"form": form, "heading": heading, "cancel_url": incident.get_absolute_url()}
    return render(request, "includes/form_page.html", context, status=400 if form.is_bound else 200)


def _prefill(incident: Incident) -> dict[str, object]:
    category = incident.root_cause_category or incident.category
    return {
        "title": incident.short_description,
        "symptoms": incident.symptoms or incident.short_description,
        "workaround": incident.workaround or incident.resolution_notes,
        "categories": [category.pk] if category else [],
        "services": [incident.service_id] if incident.service_id else [],
        "cis": list(incident.cis.all()),
        "problem": incident.problem_id,
    }
