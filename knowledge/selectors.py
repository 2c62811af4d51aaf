"""Page-shaped reads of the knowledge base."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from cmdb.models import ConfigurationItem, Service
from knowledge.models import Article, Category, KnownError, Problem


def categories_in_use() -> QuerySet[Category]:
    """Active categories for forms, each with its parent for the "Hardware / Printer" label."""
    return Category.objects.filter(active=True).select_related("parent__parent").order_by("parent__name", "name")


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
