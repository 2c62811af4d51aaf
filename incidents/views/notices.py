"""The serious-incident panel's two actions: notify management, inform the affected users."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents.forms.recording import InformUsersForm
from incidents.lifecycle import notices
from incidents.models import Incident


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
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return HttpResponseRedirect(incident.get_absolute_url())
