"""Who calls the API with a personal token (``Authorization: Bearer sdk_…``). The portal's own pages call it with
their session (DRF's ``SessionAuthentication``, CSRF-checked), behind the same two-factor gate as every page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from servicedesk.api.tokens import token_for


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token acts as its user, with that user's role; ``request.auth`` is the token."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, secret = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        token = token_for(secret.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is unknown, revoked or expired."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token to clients."""

    target_class = BearerTokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: make one on your API tokens page (user menu).",
        }
