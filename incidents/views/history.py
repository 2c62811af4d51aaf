"""The audit history on the incident page: every change to the record, whoever made it, loaded when opened."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from incidents.journal.history import HISTORY_PAGE_SIZE, shown_history
from incidents.models import Incident, IncidentHistory
from incidents.views.fragments import render_fragment


@require_GET
@permission_required("incidents.view_incident", raise_exception=True)
def incident_history_page(request: HttpRequest, number: str) -> HttpResponse:
    """Newest first, paged. Whoever may read the incident may read what changed in it: the same fields."""
    incident = get_object_or_404(Incident.objects.only("pk", "number"), number=number)
    rows = IncidentHistory.objects.filter(incident=incident).select_related("actor").order_by("-changed_at", "-id")
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"incident": incident, "page_obj": page, "entries": shown_history(list(page.object_list))}
    return render_fragment(request, "incidents/partials/history.html", context, title=_("Audit history"))
