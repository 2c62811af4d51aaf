"""The service level on the incident page: the ledger of each target (loaded when opened), and putting an
incident on hold for the caller and resuming it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents import lifecycle, sla
from incidents.models import Incident, Weekday
from incidents.views.fragments import render_fragment


@require_GET
@permission_required("incidents.view_incident", raise_exception=True)
def sla_ledger(request: HttpRequest, number: str) -> HttpResponse:
    """The ledgers of an incident's targets: when the clock ran, was paused (and why) or stood still outside
    business hours, under which calendar; the figures add up by hand."""
    incident = get_object_or_404(Incident.objects.select_related("service_level__calendar").defer("search_vector"),
                                 number=number)  # fmt: skip
    spec, ledgers = sla.incident_ledgers(incident, now=timezone.now())
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
    return _clock_step(
        request,
        number,
        lambda incident, version: lifecycle.incident_await_caller(
            by=request.user, incident_id=incident.pk, reason=request.POST.get("reason", ""), expected_version=version
        ),
        _("%(number)s waits on the caller: the clock is paused."),
    )


@require_POST
@permission_required("incidents.view_incident", raise_exception=True)
def resume(request: HttpRequest, number: str) -> HttpResponse:
    return _clock_step(
        request,
        number,
        lambda incident, version: lifecycle.incident_resume(
            by=request.user, incident_id=incident.pk, note=request.POST.get("note", ""), expected_version=version
        ),
        _("%(number)s is no longer on hold: the clock runs again."),
    )


def _clock_step(request: HttpRequest, number: str, step, done: str) -> HttpResponse:
    """Pause, resume or take back from the incident page. The service decides who may: someone else gets
    the 403 page with its sentence; a refusal of the step itself (state, stale form) becomes a message."""
    incident = get_object_or_404(Incident.objects.only("pk", "number", "version"), number=number)
    try:
        step(incident, _version(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"number": number})
    return HttpResponseRedirect(incident.get_absolute_url())


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@require_POST
@permission_required("incidents.view_incident", raise_exception=True)
def take_back(request: HttpRequest, number: str) -> HttpResponse:
    return _clock_step(
        request,
        number,
        lambda incident, version: lifecycle.incident_take_back(
            by=request.user, incident_id=incident.pk, reason=request.POST.get("reason", ""), expected_version=version
        ),
        _("%(number)s is back with the desk."),
    )
