"""The provider: its endpoints from the settings or from its discovery document, read once an hour per process."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from django.conf import settings

DISCOVERY_SECONDS = 3600
# mozilla-django-oidc's setting name -> the discovery document's key (OpenID Connect Discovery 1.0).
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

_documents: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class ProviderUnusable(requests.RequestException):
    """The provider answered, but not as configured (another issuer, an endpoint missing): for the sign-in
    pages, the same as a provider that cannot be reached; its message says what is wrong, for the log."""


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ENABLED)


def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's ``/.well-known/openid-configuration``, cached; its ``issuer`` must be the one configured."""
    now = time.monotonic()
    with _lock:
        cached = _documents.get(issuer)
        if cached and now - cached[0] < DISCOVERY_SECONDS:
            return cached[1]
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    document = response.json()
    if document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnusable(f"The discovery document of {issuer} names another issuer: {document.get('issuer')}")
    with _lock:
        _documents[issuer] = (now, document)
    return document


def provider_setting(name: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting; an endpoint left empty comes from the issuer's discovery document."""
    value = getattr(settings, name, *default) if default else getattr(settings, name)
    if name in DISCOVERED and not value and oidc_enabled():
        value = discovery(settings.OIDC_ISSUER).get(DISCOVERED[name]) or (default[0] if default else None)
        if value is None:
            raise ProviderUnusable(f"The discovery document of {settings.OIDC_ISSUER} has no {DISCOVERED[name]}.")
    return value
