"""django-filter FilterSets of the knowledge pages."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cmdb.filters import TextSearchFilterSet, service_filter, yes_no
from cmdb.models import SupportGroup
from knowledge.choices import ArticleKind, ArticleStatus, FixStatus, ProblemState
from knowledge.forms import CategoryChoiceField
from knowledge.models import Article, Category, KnownError, Problem
from knowledge.selectors import categories_by_path
from servicedesk.sorting import Columns


class CategoryFilter(django_filters.ModelChoiceFilter):
    """A category and everything under it (three levels deep, as the tree is in practice), chosen by its path."""

    field_class = CategoryChoiceField

    def filter(self, queryset: QuerySet, value: Category | None) -> QuerySet:
        if value is None:
            return queryset
        name = self.field_name
        return queryset.filter(
            Q(**{name: value}) | Q(**{f"{name}__parent": value}) | Q(**{f"{name}__parent__parent": value})
        ).distinct()


def _categories() -> QuerySet[Category]:
    """Every category, retired ones too: old records keep them."""
    return categories_by_path(Category.objects.all())


def number_or_title() -> Columns:
    """Sortable by number (its unique index) or title: a knowledge list holds hundreds of records, not millions, so
    sorting them by title costs nothing worth an index (decision 0047)."""
    return Columns(number=("number", _("Number")), title=("title", _("Title")))


class ProblemFilter(TextSearchFilterSet):
    search_fields = ("number", "title", "description", "root_cause")
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=ProblemState.choices)
    category = CategoryFilter(label=_("Category"), queryset=_categories())
    service = service_filter("services", distinct=True)
    owner_group = django_filters.ModelChoiceFilter(label=_("Owner group"), queryset=SupportGroup.objects.all())
    ordering = number_or_title()

    class Meta:
        model = Problem
        fields = ["q", "state", "category", "service", "owner_group", "ordering"]


class KnownErrorFilter(TextSearchFilterSet):
    search_fields = ("number", "title", "symptoms", "cause", "workaround")
    published = yes_no(_("Published"))
    fix_status = django_filters.MultipleChoiceFilter(label=_("Permanent fix"), choices=FixStatus.choices)
    category = CategoryFilter(label=_("Category"), field_name="categories", queryset=_categories())
    service = service_filter("services", distinct=True)
    ordering = number_or_title()

    class Meta:
        model = KnownError
        fields = ["q", "published", "fix_status", "category", "service", "ordering"]


class ArticleFilter(TextSearchFilterSet):
    search_fields = ("title", "body")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ArticleStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ArticleKind.choices)
    category = CategoryFilter(label=_("Category"), queryset=_categories())
    service = service_filter("services", distinct=True)
    ordering = Columns(title=("title", _("Title")), updated=("updated_at", _("Updated")))

    class Meta:
        model = Article
        fields = ["q", "status", "kind", "category", "service", "ordering"]
