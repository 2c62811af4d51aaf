"""One monitoring alert in the desk's intake (``incidents.inbound.alert_desk``): what monitoring said, how often,
and the desk's two ways with it: record it (the call-logging page, filled in) or dismiss it with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents.forms.inbox import DismissAlertForm
from incidents.inbound import alert_desk
from incidents.models import Alert, AlertState
from servicedesk.forms import add_errors

# A link from monitoring is shown as a link only when it is a web address.
WEB = ("https://", "http://")


@require_GET
@permission_required("incidents.add_incident", raise_exception=True)
def inbox_alert(request: HttpRequest, pk: int) -> HttpResponse:
    return _alert_page(request, _alert(pk))


@require_POST
@permission_required("incidents.add_incident", raise_exception=True)
def inbox_alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Not an incident, with the reason; kept for history."""
    alert = _alert(pk)
    form = DismissAlertForm(request.POST, prefix="dismiss")
    if form.is_valid():
        try:
            alert_desk.alert_dismiss(by=request.user, alert_id=alert.pk, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The alert “%(title)s” was dismissed.") % {"title": alert.title})
            return HttpResponseRedirect(reverse("incidents:inbox") + "?tab=alerts")
    return _alert_page(request, alert, dismiss_form=form, status=400)


def _alert(pk: int) -> Alert:
    return get_object_or_404(Alert.objects.select_related("ci", "incident", "decided_by"), pk=pk)


def _alert_page(
    request: HttpRequest, alert: Alert, *, dismiss_form: DismissAlertForm | None = None, status: int = 200
) -> HttpResponse:
    waiting = alert.state == AlertState.INTAKE
    context = {
        "alert": alert,
        "waiting": waiting,
        "decided": alert_desk.decided_message(alert) if alert.decided_by_id else "",
        "labels": sorted(alert.labels.items()),
        "annotations": sorted(_annotations(alert).items()),
        "web_link": alert.link if alert.link.lower().startswith(WEB) else "",
    }
    if waiting:
        context["dismiss_form"] = dismiss_form or DismissAlertForm(prefix="dismiss")
        context["record_url"] = f"{reverse('incidents:record')}?alert={alert.pk}"
    return render(request, "incidents/inbox_alert.html", context, status=status)


def _annotations(alert: Alert) -> dict[str, str]:
    """Alertmanager's annotations of the latest report (a runbook's address, a dashboard's), but the two the alert
    already shows as its summary and description."""
    annotations = alert.payload.get("annotations") if isinstance(alert.payload, dict) else None
    if not isinstance(annotations, dict):
        return {}
    return {name: value for name, value in annotations.items() if name not in ("summary", "description")}
