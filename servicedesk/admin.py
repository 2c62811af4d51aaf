"""Django admin, for administrators (superusers) only: configuration, not daily work."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models.options import Options
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from servicedesk.twofactor.state import second_step_done


class AdministratorsOnlySite(admin.AdminSite):
    """Superusers only, with their second factor given when they have one or their role requires it (0023)."""

    site_header = _("Service desk administration")
    site_title = _("Service desk administration")
    index_title = _("Configuration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_superuser and second_step_done(request)


class ModelAdmin(admin.ModelAdmin):
    """The project's ModelAdmin: an add page's ``?field=value`` prefill that is no id of the related model is
    left out, where Django's autocomplete widget would fail on it with a 500 (docs/decisions/0020-bad-input.md)."""

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        return {name: value for name, value in initial.items() if _related_ids_valid(self.opts, name, value)}


def _related_ids_valid(opts: Options, name: str, value: str | list[str]) -> bool:
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return True
    if not field.is_relation or field.related_model is None:
        return True
    primary_key = field.related_model._meta.pk
    try:
        for item in value if isinstance(value, list) else [value]:
            primary_key.to_python(item)
    except ValidationError:
        return False
    return True
