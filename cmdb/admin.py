"""Django admin for the CMDB: administrators' tool for bulk fixes; daily editing has its own pages."""

from __future__ import annotations

from django.contrib import admin

from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup
from servicedesk.admin import ModelAdmin


@admin.register(Location)
class LocationAdmin(ModelAdmin):
    list_display = ["name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Contact)
class ContactAdmin(ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "department", "workplace", "vip", "active"]
    list_filter = ["vip", "active", "language", "department"]
    search_fields = ["first_name", "last_name", "email", "phone", "mobile", "phone_digits"]
    autocomplete_fields = ["workplace", "user"]
    list_select_related = ["workplace"]
    readonly_fields = ["phone_digits", "created_at", "updated_at"]


@admin.register(SupportGroup)
class SupportGroupAdmin(ModelAdmin):
    list_display = ["name", "tier", "email", "manager", "active"]
    list_filter = ["tier", "active"]
    search_fields = ["name", "email"]
    filter_horizontal = ["members"]
    list_select_related = ["manager"]


class OutgoingRelationshipInline(admin.TabularInline):
    model = Relationship
    fk_name = "source"
    autocomplete_fields = ["target"]
    extra = 0
    verbose_name = "relationship to another CI"


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(ModelAdmin):
    list_display = ["name", "ci_class", "status", "location", "owner_group", "serial_number", "asset_tag"]
    list_filter = ["ci_class", "status", "owner_group"]
    search_fields = ["name", "serial_number", "asset_tag"]
    autocomplete_fields = ["location", "owner_group"]
    list_select_related = ["location", "owner_group"]
    inlines = [OutgoingRelationshipInline]


@admin.register(Relationship)
class RelationshipAdmin(ModelAdmin):
    list_display = ["source", "kind", "target"]
    list_filter = ["kind"]
    search_fields = ["source__name", "target__name"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["source", "target"]


@admin.register(Service)
class ServiceAdmin(ModelAdmin):
    list_display = ["name", "criticality", "owner_group", "active"]
    list_filter = ["criticality", "active", "owner_group"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["owner_group", "cis"]
    list_select_related = ["owner_group"]


@admin.register(Change)
class ChangeAdmin(ModelAdmin):
    list_display = ["number", "title", "state", "planned_start", "planned_end", "implemented_at"]
    list_filter = ["state"]
    search_fields = ["number", "title", "description"]
    autocomplete_fields = ["cis"]
    readonly_fields = ["number", "created_at", "updated_at"]
    date_hierarchy = "planned_start"
