"""What a caller of the API may do: a read-only token only reads; the roles' permissions decide the rest."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from servicedesk.models import ApiToken


class TokenScope(permissions.BasePermission):
    """A read-only token reads; a write with it is refused whatever its user's role."""

    message = _("This token is read-only: make a token that may write for this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and not token.writes:
            return request.method in permissions.SAFE_METHODS
        return True


class RolePermission(permissions.BasePermission):
    """The view's ``permission_required`` (one permission, or one per method), as the pages ask for it."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        required = getattr(view, "permission_required", None)
        if isinstance(required, dict):
            required = required.get(request.method, required.get("*"))
        return required is None or request.user.has_perm(required)
