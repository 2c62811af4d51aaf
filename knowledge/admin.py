"""Django admin for the knowledge base: categories are configured here; the rest has its own pages."""

from __future__ import annotations

from django.contrib import admin

from knowledge.models import Article, Category, KnownError, Problem
from knowledge.tasks import known_error_words_saved
from servicedesk.admin import ModelAdmin


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["name", "parent", "active"]
    list_filter = ["active"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Problem)
class ProblemAdmin(ModelAdmin):
    list_display = ["number", "title", "state", "category", "owner_group", "created_at"]
    list_filter = ["state", "owner_group"]
    search_fields = ["number", "title", "description"]
    autocomplete_fields = ["category", "services", "cis", "owner_group"]
    readonly_fields = ["number", "created_at", "updated_at"]
    list_select_related = ["category", "owner_group"]


@admin.register(KnownError)
class KnownErrorAdmin(ModelAdmin):
    list_display = ["number", "title", "fix_status", "published", "times_used", "last_used_at"]
    list_filter = ["published", "fix_status"]
    search_fields = ["number", "title", "symptoms"]
    autocomplete_fields = ["categories", "services", "cis", "problem"]
    readonly_fields = ["number", "published", "published_at", "published_by", "times_used", "last_used_at"]
    exclude = ["search_vector", "words_digest", "embedding", "embedded_digest"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The new vector after the commit, as the pages do (KnownErrorForm.save); nothing happens if the words stayed.
        known_error_words_saved(known_error_id=obj.pk)


@admin.register(Article)
class ArticleAdmin(ModelAdmin):
    list_display = ["title", "kind", "status", "category", "updated_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["category", "services"]
    readonly_fields = ["author", "created_at", "updated_at"]
    exclude = ["search_vector"]
