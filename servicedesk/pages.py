"""The page classes every app's views are built from: permission checks, filtered and paginated lists,
detail pages, and create and edit pages that refuse to overwrite someone else's change.

Views stay declarative: a permission, a selector, a FilterSet or a form, and a template.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

PAGE_SIZE = 25


def wants_results_only(request: HttpRequest) -> bool:
    """An htmx request for a list's results (the filters as one types, a refresh); boosted ones want the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def page_or_results(request: HttpRequest, template: str) -> str:
    """The template, or only its ``results`` partial for an htmx request that wants the results."""
    return f"{template}#results" if wants_results_only(request) else template


class CappedPaginator(Paginator):
    """Counts at most ``LIST_COUNT_CAP`` + 1 rows (a LIMITed subquery) and pages through the first
    ``LIST_COUNT_CAP``: a list over every state otherwise counted a million rows on each page (68 ms at 1M).
    Past the cap, ``capped`` is true and the page says "more than"; narrowing the filters finds the rest."""

    @cached_property
    def cap(self) -> int:
        return settings.LIST_COUNT_CAP

    @cached_property
    def counted(self) -> int:
        """The rows counted: at most one past the cap, which says there are more."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Unordered, the statement stops at the cap whichever rows it meets first.
            return rows.order_by().values("pk")[: self.cap + 1].count()
        return min(len(rows), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap

    @cached_property
    def count(self) -> int:
        """The rows paged through: all of them, or the first ``cap``."""
        return min(self.counted, self.cap)


class KeysFirstPaginator(Paginator):
    """Reads a page of a queryset in two statements: the ids of its rows in the queryset's order, then those rows
    by id. A work list sorted by computed keys (the queue's next due time) read every incident of a tab in full to
    sort them and keep 25; the ids alone come from its partial index (decision record 0036), and 25 rows by id
    from the primary key.

    ``count`` is the number of rows when the page already read it (a work list's tab counts, one statement for every
    tab): not counted again."""

    def __init__(self, object_list: Any, per_page: int, *args: Any, count: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # the cached property's value

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Any:
        if isinstance(object_list, QuerySet):
            ids = list(object_list.prefetch_related(None).values_list("pk", flat=True))
            rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
            object_list = [rows[pk] for pk in ids if pk in rows]  # one closed meanwhile is left out
        return super()._get_page(object_list, number, paginator)


class PermissionMixin(PermissionRequiredMixin):
    """403 for a signed-in user without the permission (the login middleware handles the anonymous)."""

    raise_exception = True


class ListPage(PermissionMixin, FilterView):
    """A filtered, paginated list. htmx requests (the filter form updates the table as one types) get
    only the ``results`` partial of the template; ``?export=csv`` (or another of ``export_formats``) calls
    ``export`` when a page has one."""

    paginate_by = PAGE_SIZE
    strict = False
    export_formats: tuple[str, ...] = ("csv",)
    # The export's links above the results rather than in the header, so that they follow the filters as htmx
    # swaps the results.
    export_in_results = False

    def export(self, queryset: QuerySet, fmt: str) -> HttpResponse | None:
        """The filtered rows as a download in ``fmt`` (one of ``export_formats``), for pages that offer one."""
        return None

    @property
    def can_export(self) -> bool:
        return type(self).export is not ListPage.export

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if self.can_export and fmt in self.export_formats:
            filterset = self.get_filterset(self.get_filterset_class())
            queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
            response = self.export(queryset, fmt)
            if response is not None:
                return response
        return super().get(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        return [page_or_results(self.request, name) for name in super().get_template_names()]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            query_string=query.urlencode(),
            can_export=self.can_export,
            export_in_results=self.export_in_results,
            **kwargs,
        )


class DetailPage(PermissionMixin, DetailView):
    pass


class FormPageMixin:
    """Create and edit pages: saved in one transaction with the form's conflict check, then a message.

    ``list_url_name`` is where "Cancel" leads from a new record.
    """

    template_name = "includes/form_page.html"
    success_verb = ""
    list_url_name = "home"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        meta = self.model._meta  # type: ignore[attr-defined]
        instance = getattr(self, "object", None)
        if instance is not None and instance.pk:
            heading = _("Edit %(name)s") % {"name": instance}
            cancel_url = instance.get_absolute_url()
        else:
            heading = _("New %(kind)s") % {"kind": meta.verbose_name}
            cancel_url = reverse(self.list_url_name)
        return super().get_context_data(heading=heading, cancel_url=cancel_url, **kwargs)  # type: ignore[misc]

    def form_valid(self, form: BaseForm) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[misc]
        messages.success(self.request, self.success_verb % {"name": self.object})  # type: ignore[attr-defined]
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The conflict check locks the row (select_for_update) until the save below commits.
        with transaction.atomic():
            return super().post(request, *args, **kwargs)  # type: ignore[misc]


class CreatePage(PermissionMixin, FormPageMixin, CreateView):
    success_verb = _("%(name)s was created.")


class UpdatePage(PermissionMixin, FormPageMixin, UpdateView):
    success_verb = _("%(name)s was saved.")
