"""Support groups: the service desk and the second- and third-line teams, with their members."""

from __future__ import annotations

from cmdb import selectors
from cmdb.filters import SupportGroupFilter
from cmdb.forms import SupportGroupForm
from cmdb.models import SupportGroup
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, UpdatePage


class SupportGroupListView(CMDBListView):
    permission_required = "cmdb.view_supportgroup"
    filterset_class = SupportGroupFilter
    template_name = "cmdb/supportgroup_list.html"
    export_kind = "supportgroups"

    def get_queryset(self):
        return selectors.supportgroup_list()


class SupportGroupDetailView(DetailPage):
    permission_required = "cmdb.view_supportgroup"
    template_name = "cmdb/supportgroup_detail.html"
    context_object_name = "group"

    def get_queryset(self):
        return selectors.supportgroup_detail()


class SupportGroupCreateView(CreatePage):
    list_url_name = "cmdb:supportgroup_list"
    permission_required = "cmdb.add_supportgroup"
    model = SupportGroup
    form_class = SupportGroupForm


class SupportGroupUpdateView(UpdatePage):
    permission_required = "cmdb.change_supportgroup"
    model = SupportGroup
    form_class = SupportGroupForm
