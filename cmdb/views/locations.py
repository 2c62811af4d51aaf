"""Locations: the site → building → floor → room tree."""

from __future__ import annotations

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
