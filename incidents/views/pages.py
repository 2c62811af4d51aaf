"""The incident list and the incident page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from incidents import selectors
from incidents.filters import ALL, OPEN, IncidentFilter, incident_number
from incidents.journal.paging import journal_cursor
from incidents.journal.timeline import show_filter
from incidents.models import Incident
from incidents.pages.incident import incident_for_page, incident_of_page, incident_page
from incidents.pages.printout import incident_printout
from incidents.recording import storms
from incidents.views.exports import list_export
from servicedesk.pages import CappedPaginator, DetailPage, ListPage, wants_results_only
from servicedesk.spreadsheets import FORMATS


class IncidentListView(ListPage):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilter
    template_name = "incidents/incident_list.html"
    paginator_class = CappedPaginator
    export_formats = FORMATS
    export_in_results = True

    def get_queryset(self):
        return selectors.incident_list()

    def get_paginator(self, *args: Any, **kwargs: Any) -> CappedPaginator:
        paginator = super().get_paginator(*args, **kwargs)
        if self.searches_words():
            paginator.cap = min(paginator.cap, settings.SEARCH_COUNT_CAP)
        return paginator

    def searches_words(self) -> bool:
        """Whether the list is a search in words (not a number's), whose matches are counted to a lower cap."""
        text = (self.filterset.form.cleaned_data.get("q") or "").strip() if self.filterset.is_valid() else ""
        return bool(text) and not incident_number(text)

    def export(self, queryset: QuerySet, fmt: str) -> HttpResponse:
        return list_export(self.request, queryset, fmt=fmt, stem="incidents", title=gettext("Incidents"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The desk sees the storms going on above its list; nobody else can gather them.
        # Not for a refresh of the results, which does not show them.
        if self.request.user.has_perm("incidents.add_incident") and not wants_results_only(self.request):
            kwargs["storms"] = storms.incident_storms()
        kwargs["sla_now"] = timezone.now()  # the SLA column: time left or overdue
        kwargs["all_states_query"] = self.all_states_query()
        return super().get_context_data(heading=gettext_lazy("Incidents"), **kwargs)

    def all_states_query(self) -> str | None:
        """The same filters over every state, when the list shows only the open incidents (and is not looking
        up a number, which is found in any state)."""
        form = self.filterset.form
        if not self.filterset.is_valid() or form.cleaned_data.get("state") != [OPEN]:
            return None
        if incident_number(form.cleaned_data.get("q") or ""):
            return None
        query = self.request.GET.copy()
        query.pop("page", None)
        query.setlist("state", [ALL])
        return query.urlencode()


class IncidentPage(DetailPage):
    """One incident by its number, for whoever may see incidents."""

    permission_required = "incidents.view_incident"
    context_object_name = "incident"
    slug_field = "number"
    slug_url_kwarg = "number"


class IncidentDetailView(IncidentPage):
    template_name = "incidents/incident_detail.html"

    def get_queryset(self):
        return incident_for_page()

    def get_object(self, queryset: Any = None) -> Incident:
        return incident_of_page(self.kwargs[self.slug_url_kwarg])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        show = show_filter(self.request.GET.get("show"))
        before = journal_cursor(self.request.GET.get("before"))
        return super().get_context_data(
            **incident_page(self.object, self.request.user, show=show, before=before), **kwargs
        )


class IncidentPrintView(IncidentPage):
    """The incident on paper: its facts and its customer-visible journal, for whoever may open the incident."""

    template_name = "incidents/incident_print.html"

    def get_queryset(self):
        return selectors.incident_for_print()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(printout=incident_printout(self.object), **kwargs)
