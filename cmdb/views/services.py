"""Business services: list, detail with the tree of CIs they are built from, edit, and the search-as-you-type
endpoint of the filters' service pickers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cmdb import impact, selectors
from cmdb.filters import ServiceFilter
from cmdb.forms import ServiceForm
from cmdb.models import Service
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, UpdatePage


class ServiceListView(CMDBListView):
    permission_required = "cmdb.view_service"
    filterset_class = ServiceFilter
    template_name = "cmdb/service_list.html"
    export_kind = "services"

    def get_queryset(self):
        return selectors.service_list()


class ServiceDetailView(DetailPage):
    permission_required = "cmdb.view_service"
    template_name = "cmdb/service_detail.html"
    context_object_name = "service"

    def get_queryset(self):
        return selectors.service_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(tree=impact.service_tree(service_id=self.object.pk), **kwargs)


class ServiceCreateView(CreatePage):
    list_url_name = "cmdb:service_list"
    permission_required = "cmdb.add_service"
    model = Service
    form_class = ServiceForm


class ServiceUpdateView(UpdatePage):
    permission_required = "cmdb.change_service"
    model = Service
    form_class = ServiceForm


@require_GET
@permission_required("cmdb.view_service", raise_exception=True)
def service_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx fragment): services by any part of their name."""
    text = request.GET.get("q", "")
    results = selectors.service_search(text=text)
    return render(request, "cmdb/partials/service_results.html", {"results": results, "q": text})
