"""The client's address, the same for the lockout (``AXES_CLIENT_IP_CALLABLE``) and the security log."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` proxies in front, the address the outermost one saw.

    Each proxy appends the address it received the request from to ``X-Forwarded-For``, so with N trusted
    proxies the client is the N-th entry from the right; entries further left are whatever the client sent,
    and are never trusted. A header shorter than that, or an entry that is not an address, means the request
    did not come through the proxies: ``REMOTE_ADDR`` is then the only address that cannot be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
