"""Locations: the site → building → floor → room tree, and the search-as-you-type endpoint of the location
pickers."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cmdb import selectors
from cmdb.filters import LocationFilter
from cmdb.forms import LocationForm
from cmdb.models import Location
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, UpdatePage


class LocationListView(CMDBListView):
    permission_required = "cmdb.view_location"
    filterset_class = LocationFilter
    template_name = "cmdb/location_list.html"
    export_kind = "locations"

    def get_queryset(self):
        return selectors.location_list()


class LocationDetailView(DetailPage):
    permission_required = "cmdb.view_location"
    template_name = "cmdb/location_detail.html"
    context_object_name = "location"

    def get_queryset(self):
        return selectors.location_detail()


class LocationCreateView(CreatePage):
    list_url_name = "cmdb:location_list"
    permission_required = "cmdb.add_location"
    model = Location
    form_class = LocationForm


class LocationUpdateView(UpdatePage):
    permission_required = "cmdb.change_location"
    model = Location
    form_class = LocationForm


@require_GET
@permission_required("cmdb.view_location", raise_exception=True)
def location_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx fragment): locations by any part of their name, with the places they are in."""
    text = request.GET.get("q", "")
    results = selectors.location_search(text=text)
    return render(request, "cmdb/partials/location_results.html", {"results": results, "q": text})
