"""How often the API may be called: per token (or per signed-in user), and per address for the anonymous."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from servicedesk.models import ApiToken
from servicedesk.signin.address import client_address


class RatesAsSet:
    """The rate as the settings say when the request comes, not when DRF was imported (DRF binds its rates to the
    class once, so that a changed setting, as in a test, would never apply)."""

    def get_rate(self) -> str | None:
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()  # type: ignore[misc]


class TokenRateThrottle(RatesAsSet, SimpleRateThrottle):
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


class AddressRateThrottle(RatesAsSet, AnonRateThrottle):
    """Calls without a valid token, per address: a refused secret is answered, not tried at leisure (the API's
    views count a refused call too: ``servicedesk.api.views``)."""

    scope = "anonymous"

    def get_ident(self, request: Request) -> str:
        # The sign-in lockout's address: X-Forwarded-For only as the trusted proxies wrote it. DRF's own reading
        # takes the header as the client sent it, so a made-up address per call would be a new budget per call.
        return client_address(request)
