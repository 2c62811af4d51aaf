"""The service level on the incident page: the ledger of each target (loaded when opened), and putting an
incident on hold for the caller and resuming it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents.lifecycle import escalation, holds
from incidents.models import Incident, Weekday
from incidents.servicelevels import ledger
from incidents.views.fragments import render_fragment
from servicedesk.params import INTEGER_MAX, int_param


@require_GET
@permission_required("incidents.view_incident", raise_exception=True)
def sla_ledger(request: HttpRequest, number: str) -> HttpResponse:
    """The ledgers of an incident's targets: when the clock ran, was paused (and why) or stood still outside
    business hours, under which calendar; the figures add up by hand."""
    incident = get_object_or_404(Incident.objects.select_related("service_level__calendar").defer("search_vector"),
                                 number=number)  # fmt: skip
    spec, ledgers = ledger.incident_ledgers(incident, now=timezone.now())
    hours: list[tuple[str, str]] = []
    if spec is not None:
        for day in Weekday:
            spans = [f"{start:%H:%M}-{end:%H:%M}" for weekday, start, end in sorted(spec.periods) if weekday == day]
            hours.append((day.label, ", ".join(spans) or _("closed")))
    context = {
        "incident": incident,
        "calendar": spec,
        "hours": hours,
        "holidays": sorted(spec.holidays) if spec else [],
        "ledgers": ledgers,
    }
    return render_fragment(request, "incidents/partials/sla_ledger.html", context, title=_("How the clock counted"))


@require_POST
@permission_required("incidents.view_incident", raise_exception=True)
def await_caller(request: HttpRequest, number: str) -> HttpResponse:
    return _clock_step(request, number, holds.incident_await_caller, "reason",
                       _("%(number)s waits on the caller: the clock is paused."))  # fmt: skip


@require_POST
@permission_required("incidents.view_incident", raise_exception=True)
def resume(request: HttpRequest, number: str) -> HttpResponse:
    return _clock_step(request, number, holds.incident_resume, "note",
                       _("%(number)s is no longer on hold: the clock runs again."))  # fmt: skip


@require_POST
@permission_required("incidents.view_incident", raise_exception=True)
def take_back(request: HttpRequest, number: str) -> HttpResponse:
    return _clock_step(request, number, escalation.incident_take_back, "reason", _("%(number)s is back with the desk."))


def _clock_step(
    request: HttpRequest, number: str, step: Callable[..., Incident], text_field: str, done: str
) -> HttpResponse:
    """Pause, resume or take back from the incident page, with the form's ``text_field`` and version. The
    service decides who may: someone else gets the 403 page with its sentence; a refusal of the step itself
    (state, stale form) becomes a message."""
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    version = request.POST.get("version")
    try:
        step(
            by=request.user,
            incident_id=incident.pk,
            expected_version=int_param(version, maximum=INTEGER_MAX),
            **{text_field: request.POST.get(text_field, "")},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"number": number})
    return HttpResponseRedirect(incident.get_absolute_url())
