"""Page-shaped reads of the knowledge base."""

from __future__ import annotations

from django.db.models import Case, Count, F, OrderBy, Prefetch, Q, QuerySet, When
from django.db.models.functions import Coalesce, Lower

from cmdb.models import ConfigurationItem, Service
from knowledge.models import Article, Category, KnownError, Problem


def _path_order() -> tuple[OrderBy, ...]:
    """By the full path, "Hardware / Printer / Paper jam": level by level, a parent just before its children
    (three levels, as the tree is in practice), ignoring case."""
    depth_three = Q(parent__parent__isnull=False)
    first = Coalesce("parent__parent__name", "parent__name", "name")
    second = Case(When(depth_three, then=F("parent__name")), When(parent__isnull=False, then=F("name")))
    third = Case(When(depth_three, then=F("name")))
    return (
        Lower(first).asc(),
        Lower(second).asc(nulls_first=True),
        Lower(third).asc(nulls_first=True),
        F("pk").asc(),
    )


def categories_by_path(categories: QuerySet[Category]) -> QuerySet[Category]:
    """The categories in the order of their full path, each with its parents for the label (``path_label``)."""
    return categories.select_related("parent__parent").order_by(*_path_order())


def categories_in_use() -> QuerySet[Category]:
    """Active categories for forms and filters, by their full path."""
    return categories_by_path(Category.objects.filter(active=True))


def problem_list() -> QuerySet[Problem]:
    return (
        Problem.objects.select_related("category", "owner_group")
        .annotate(known_error_count=Count("known_errors", distinct=True))
        .order_by("-created_at", "-id")
    )


def problem_detail() -> QuerySet[Problem]:
    return Problem.objects.select_related("category__parent__parent", "owner_group").prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name")),
        Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
        Prefetch("known_errors", queryset=KnownError.objects.order_by("number")),
    )


def known_error_list() -> QuerySet[KnownError]:
    return KnownError.objects.defer("search_vector").order_by("-updated_at", "-id")


def known_error_detail() -> QuerySet[KnownError]:
    return (
        KnownError.objects.defer("search_vector")
        .select_related("problem", "published_by")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.select_related("parent__parent").order_by("name")),
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name")),
        )
    )


def article_list() -> QuerySet[Article]:
    return Article.objects.defer("search_vector", "body").select_related("category").order_by("title", "id")


def article_detail() -> QuerySet[Article]:
    return (
        Article.objects.defer("search_vector")
        .select_related("category__parent__parent", "author")
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
    )
