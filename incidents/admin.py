"""Django admin for incidents: the priority matrix is configured here; incidents are read, never edited
here (their state and journal change only through the services and the lifecycle). The incident history,
written by the database's triggers (``incidents.history``), is shown under each incident and as a list."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents.models import Activity, Incident, IncidentHistory, PriorityRule


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ["impact", "urgency", "priority"]
    list_editable = ["priority"]
    list_display_links = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return PriorityRule.objects.count() < 9  # one rule per cell of the 3 by 3 matrix

    def has_delete_permission(self, request: HttpRequest, obj: PriorityRule | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


class IncidentHistoryInline(admin.TabularInline):
    model = IncidentHistory
    fields = ["changed_at", "operation", "actor", "context", "changes"]
    readonly_fields = fields
    ordering = ["changed_at", "id"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[IncidentHistory]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = [
        "number", "short_description", "state", "priority", "caller", "service", "assigned_group", "reported_at",
    ]  # fmt: skip
    list_filter = ["state", "priority", "serious", "channel", "resolution_code", "closed_automatically"]
    search_fields = ["number", "short_description"]
    list_select_related = ["caller", "service", "assigned_group"]
    exclude = ["search_vector"]
    # Set by the lifecycle only (not editable), shown here for reading.
    readonly_fields = [
        "number", "state", "priority", "acknowledged_at", "resolved_at", "closed_at", "closed_automatically",
        "management_notified_at", "users_informed_at", "version",
    ]  # fmt: skip
    inlines = [IncidentHistoryInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "author", "created_at", "incident_version"]
    list_filter = ["kind", "visibility"]
    search_fields = ["incident__number", "text"]
    list_select_related = ["incident", "author"]


@admin.register(IncidentHistory)
class IncidentHistoryAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "incident", "operation", "actor", "context", "changes"]
    list_filter = ["operation"]
    search_fields = ["incident__number", "context"]
    list_select_related = ["incident", "actor"]
    date_hierarchy = "changed_at"
