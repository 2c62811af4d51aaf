"""One POST to a subscriber, with the standard library: short timeouts, no redirects followed, no proxy, and only
to addresses the desk may reach (``incidents.models.address_allowed``), checked on the address each connection
actually uses, so that a name resolving somewhere else later (DNS rebinding) gains nothing."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from incidents.models import address_allowed

EXCERPT_BYTES = 2000


class TargetRefused(Exception):
    """The address is not one the desk posts to (its scheme, or the network it resolves to)."""


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: its status code and the start of its body."""

    status: int
    excerpt: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def guarded_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A connection to the first address of ``host`` that the desk may post to; ``TargetRefused`` when it resolves
    to none such, the last connection error when none answers."""
    refused, error = [], None
    for family, kind, protocol, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if not address_allowed(ipaddress.ip_address(address[0])):
            refused.append(address[0])
            continue
        connection = socket.socket(family, kind, protocol)
        connection.settimeout(timeout)
        try:
            connection.connect(address)
        except OSError as failure:
            connection.close()
            error = failure
            continue
        return connection
    if error is not None:
        raise error
    raise TargetRefused(
        _("%(host)s resolves to %(addresses)s, in a private or reserved network; the desk posts there only when it "
          "is listed in WEBHOOK_ALLOWED_NETWORKS.") % {"host": host, "addresses": ", ".join(refused)}
    )  # fmt: skip


class GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = guarded_socket(self.host, self.port, self.timeout)


class GuardedHTTPSConnection(http.client.HTTPConnection):
    """HTTPS with the system's trusted certificates, on a guarded socket."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        self.sock = _tls().wrap_socket(guarded_socket(self.host, self.port, self.timeout), server_hostname=self.host)


@cache
def _tls() -> ssl.SSLContext:
    # Read once per process, and only by one that posts: the system's certificates, verified, with the host's name.
    return ssl.create_default_context()


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``: the answer, whatever its status (a redirect is an answer, not followed). Raises
    ``TargetRefused`` for an address the desk does not post to, ``OSError`` for the network failing (a timeout, a
    refused connection, a certificate not trusted), ``http.client.HTTPException`` for an answer that is not HTTP."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = GuardedHTTPSConnection(
            parts.hostname, parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
    elif parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP:
        connection = GuardedHTTPConnection(parts.hostname, parts.port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    else:
        raise TargetRefused(_("The desk posts to https:// addresses only."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        return Answer(response.status, excerpt)
    finally:
        connection.close()
