"""Support groups: the service desk and the second- and third-line teams, with their members."""

from __future__ import annotations

from cmdb import selectors
from cmdb.filters import SupportGroupFilter
from cmdb.forms import SupportGroupForm
from cmdb.models import SupportGroup
from cmdb.views.base import CMDBCreateView, CMDBDetailView, CMDBListView, CMDBUpdateView


class SupportGroupListView(CMDBListView):
    permission_required = "cmdb.view_supportgroup"
    filterset_class = SupportGroupFilter
    template_name = "cmdb/supportgroup_list.html"
    export_kind = "supportgroups"

    def get_queryset(self):
        return selectors.supportgroup_list()


class SupportGroupDetailView(CMDBDetailView):
    permission_required = "cmdb.view_supportgroup"
    template_name = "cmdb/supportgroup_detail.html"
    context_object_name = "group"

    def get_queryset(self):
        return selectors.supportgroup_detail()


class SupportGroupCreateView(CMDBCreateView):
    permission_required = "cmdb.add_supportgroup"
    model = SupportGroup
    form_class = SupportGroupForm


class SupportGroupUpdateView(CMDBUpdateView):
    permission_required = "cmdb.change_supportgroup"
    model = SupportGroup
    form_class = SupportGroupForm
