"""What every CMDB page shares: permission checks, filtered and paginated lists with CSV export,
create and edit pages that refuse to overwrite someone else's change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from cmdb.exports import export_csv

PAGE_SIZE = 25


class CMDBPermissionMixin(PermissionRequiredMixin):
    """403 for a signed-in user without the permission (the login middleware handles the anonymous)."""

    raise_exception = True


class CMDBListView(CMDBPermissionMixin, FilterView):
    """A filtered, paginated list; ``?export=csv`` downloads the filtered rows instead.

    htmx requests (the filter form updates the table as one types) get only the table fragment.
    """

    paginate_by = PAGE_SIZE
    export_kind: str | None = None
    strict = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.export_kind and request.GET.get("export") == "csv":
            filterset = self.get_filterset(self.get_filterset_class())
            queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
            return export_csv(kind=self.export_kind, queryset=queryset)
        return super().get(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        names = super().get_template_names()
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [f"{name}#results" for name in names]
        return names

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["export_kind"] = self.export_kind
        return context


class CMDBDetailView(CMDBPermissionMixin, DetailView):
    pass


LIST_URLS = {
    "configurationitem": "cmdb:ci_list",
    "service": "cmdb:service_list",
    "contact": "cmdb:contact_list",
    "location": "cmdb:location_list",
    "supportgroup": "cmdb:supportgroup_list",
    "change": "cmdb:change_list",
}


class CMDBFormMixin:
    """Create and edit pages: saved in one transaction with the form's conflict check, then a message."""

    template_name = "cmdb/form.html"
    success_verb = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        meta = self.model._meta  # type: ignore[attr-defined]
        instance = getattr(self, "object", None)
        if instance is not None and instance.pk:
            heading = _("Edit %(name)s") % {"name": instance}
            cancel_url = instance.get_absolute_url()
        else:
            heading = _("New %(kind)s") % {"kind": meta.verbose_name}
            cancel_url = reverse(LIST_URLS[meta.model_name])
        return super().get_context_data(heading=heading, cancel_url=cancel_url, **kwargs)  # type: ignore[misc]

    def form_valid(self, form: BaseForm) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[misc]
        messages.success(self.request, self.success_verb % {"name": self.object})  # type: ignore[attr-defined]
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The conflict check locks the row (select_for_update) until the save below commits.
        with transaction.atomic():
            return super().post(request, *args, **kwargs)  # type: ignore[misc]


class CMDBCreateView(CMDBPermissionMixin, CMDBFormMixin, CreateView):
    success_verb = _("%(name)s was created.")


class CMDBUpdateView(CMDBPermissionMixin, CMDBFormMixin, UpdateView):
    success_verb = _("%(name)s was saved.")
