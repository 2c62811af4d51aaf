"""Planned changes: list (by window, state, CI) and detail, addressed by their CHG number."""

from __future__ import annotations

from cmdb import selectors
from cmdb.filters import ChangeFilter
from cmdb.forms import ChangeForm
from cmdb.models import Change
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, UpdatePage


class ChangeListView(CMDBListView):
    permission_required = "cmdb.view_change"
    filterset_class = ChangeFilter
    template_name = "cmdb/change_list.html"
    export_kind = "changes"

    def get_queryset(self):
        return selectors.change_list()


class ChangeDetailView(DetailPage):
    permission_required = "cmdb.view_change"
    template_name = "cmdb/change_detail.html"
    context_object_name = "change"
    slug_field = "number"
    slug_url_kwarg = "number"

    def get_queryset(self):
        return selectors.change_detail()


class ChangeCreateView(CreatePage):
    list_url_name = "cmdb:change_list"
    permission_required = "cmdb.add_change"
    model = Change
    form_class = ChangeForm


class ChangeUpdateView(UpdatePage):
    permission_required = "cmdb.change_change"
    model = Change
    form_class = ChangeForm
    slug_field = "number"
    slug_url_kwarg = "number"
