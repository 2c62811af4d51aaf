"""Who may scrape: whoever sends ``Authorization: Bearer <METRICS_TOKEN>``; with no token set, nobody."""

from __future__ import annotations

import secrets

from django.conf import settings


def metrics_enabled() -> bool:
    return bool(settings.METRICS_TOKEN)


def token_accepted(authorization: str | None) -> bool:
    """The ``Authorization`` header carries the configured token, compared in constant time."""
    scheme, _, given = (authorization or "").partition(" ")
    if not metrics_enabled() or scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(given.strip().encode(), settings.METRICS_TOKEN.encode())
