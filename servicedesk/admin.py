"""Django admin (the site: ``servicedesk.admin_site``), configuration rather than daily work: the project's
ModelAdmin, and everyone's API tokens, to see and revoke (never to make one for someone, nor to read a secret:
it is not kept)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.db.models.options import Options
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.api.tokens import token_revoke
from servicedesk.models import ApiToken


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


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    """Each user's tokens, read only: made by their user on their own page; revoked here with the action."""

    list_display = ["name", "user", "prefix", "writes", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["writes", ("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username", "user__first_name", "user__last_name"]
    fields = ["user", "name", "prefix", "writes", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields  # the hash of the secret is never shown, nor changed
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a revoked token stays, to show when it stopped

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        live = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        for token in live:
            token_revoke(user=token.user, token_id=token.pk)
        said = ngettext("%(count)d token was revoked.", "%(count)d tokens were revoked.", len(live))
        self.message_user(request, said % {"count": len(live)}, messages.SUCCESS)
