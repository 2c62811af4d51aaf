"""Downloading a list of incidents as it is filtered (the incident list, the queue), or refusing with a message
when it holds more rows than an export may (``incidents.reporting.exports``)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from incidents.models import Incident
from incidents.reporting.exports import ExportTooLarge, incident_export


def list_export(request: HttpRequest, queryset: QuerySet[Incident], *, fmt: str, stem: str, title: str) -> HttpResponse:
    """The rows as a download; past the cap, back to the list as it was filtered, with the reason."""
    try:
        return incident_export(queryset, fmt=fmt, stem=stem, title=title)
    except ExportTooLarge as refused:
        messages.error(request, str(refused))
        query = request.GET.copy()
        query.pop("export", None)
        return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
