"""How often the API may be called: per token (or per signed-in user), and per address for the anonymous."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from servicedesk.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Each token has its own budget (``API_RATE``), so that one busy integration does not starve another of
    the same user; the portal's session calls count against their user."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(AnonRateThrottle):
    """Calls without a valid token, per address: a refused secret is answered, not tried at leisure."""

    scope = "anonymous"
