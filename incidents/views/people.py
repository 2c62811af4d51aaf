"""The people panel's two actions: keep someone informed about an incident, stop keeping them informed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.forms.people import KeepInformedForm
from incidents.lifecycle import people
from incidents.models import Incident


@require_POST
def keep_informed(request: HttpRequest, number: str) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    form = KeepInformedForm(request.POST, prefix="people")
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = people.incident_keep_informed(
                by=request.user, incident_id=incident.pk, contact=data["contact"], email=data["email"],
                name=data["name"],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            who = row.contact.full_name if row.contact else (row.name or row.email)
            messages.success(request, _("%(name)s is kept informed from now on.") % {"name": who})
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return HttpResponseRedirect(f"{incident.get_absolute_url()}#people-title")


@require_POST
def stop_informing(request: HttpRequest, number: str, person_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    try:
        entry = people.incident_stop_informing(by=request.user, incident_id=incident.pk, person_id=person_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, entry.text)
    return HttpResponseRedirect(f"{incident.get_absolute_url()}#people-title")
