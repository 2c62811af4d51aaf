"""Configuration items: list, detail with relationships, impact and changes, edit, relate, search."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.generic import DeleteView, FormView, ListView

from cmdb import impact, selectors
from cmdb.filters import ConfigurationItemFilter
from cmdb.forms import ConfigurationItemForm, RelationshipForm
from cmdb.models import ConfigurationItem, Relationship
from cmdb.views.base import CMDBListView
from servicedesk.pages import CreatePage, DetailPage, PermissionMixin, UpdatePage


class CIListView(CMDBListView):
    permission_required = "cmdb.view_configurationitem"
    filterset_class = ConfigurationItemFilter
    template_name = "cmdb/ci_list.html"
    export_kind = "cis"

    def get_queryset(self):
        return selectors.ci_list()


class CIDetailView(DetailPage):
    permission_required = "cmdb.view_configurationitem"
    template_name = "cmdb/ci_detail.html"
    context_object_name = "ci"

    def get_queryset(self):
        return selectors.ci_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        now = timezone.now()
        ci = self.object
        return super().get_context_data(
            affected_services=impact.affected_services(ci_id=ci.pk),
            changes=impact.changes_around(ci_ids=[ci.pk], moment=now),
            change_window=(now - impact.RECENT_CHANGES, now + impact.UPCOMING_CHANGES),
            relationship_form=RelationshipForm(ci=ci),
            **kwargs,
        )


class CIRelationshipsView(PermissionMixin, ListView):
    """Every relationship of a CI one way, paged: the CI page shows the first ones."""

    permission_required = "cmdb.view_configurationitem"
    template_name = "cmdb/ci_relationships.html"
    paginate_by = 100
    directions = {"outgoing": gettext_lazy("What %(ci)s relies on"), "incoming": gettext_lazy("What relies on %(ci)s")}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.ci = get_object_or_404(ConfigurationItem, pk=kwargs["pk"])
        self.direction = request.GET.get("direction")
        if self.direction not in self.directions:
            self.direction = "incoming"
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.ci_relationships(self.direction, self.ci)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        other = "target" if self.direction == "outgoing" else "source"
        return {
            **context,
            "rows": [(link, getattr(link, other)) for link in context["object_list"]],
            "ci": self.ci,
            "direction": self.direction,
            "title": str(self.directions[self.direction]) % {"ci": self.ci.name},
            "query_string": f"direction={self.direction}",
        }


class CICreateView(CreatePage):
    list_url_name = "cmdb:ci_list"
    permission_required = "cmdb.add_configurationitem"
    model = ConfigurationItem
    form_class = ConfigurationItemForm


class CIUpdateView(UpdatePage):
    permission_required = "cmdb.change_configurationitem"
    model = ConfigurationItem
    form_class = ConfigurationItemForm


class RelationshipCreateView(PermissionMixin, FormView):
    """Relate the CI to another from its own page; errors come back next to the fields."""

    permission_required = "cmdb.add_relationship"
    form_class = RelationshipForm
    template_name = "cmdb/relationship_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.ci = get_object_or_404(ConfigurationItem, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "ci": self.ci}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(ci=self.ci, **kwargs)

    def form_valid(self, form: RelationshipForm) -> HttpResponse:
        try:
            with transaction.atomic():
                form.relationship.save()
        except IntegrityError:
            # Someone added the same link between our validation and our insert.
            form.add_error(None, _("These two configuration items are already related this way."))
            return self.form_invalid(form)
        messages.success(self.request, _("Relationship added: %(link)s.") % {"link": form.relationship})
        return HttpResponseRedirect(self.ci.get_absolute_url())


class RelationshipDeleteView(PermissionMixin, DeleteView):
    permission_required = "cmdb.delete_relationship"
    model = Relationship
    template_name = "cmdb/relationship_confirm_delete.html"

    def get_queryset(self):
        return Relationship.objects.select_related("source", "target")

    def get_success_url(self) -> str:
        return self.object.source.get_absolute_url()

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Relationship removed: %(link)s.") % {"link": self.object})
        return super().form_valid(form)


@require_GET
@permission_required("cmdb.view_configurationitem", raise_exception=True)
def ci_search(request: HttpRequest) -> HttpResponse:
    """Search as you type (htmx fragment): CIs by name, serial number or asset tag."""
    text = request.GET.get("q", "")
    return render(request, "cmdb/partials/ci_results.html", {"results": selectors.ci_search(text=text), "q": text})
