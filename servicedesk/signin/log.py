"""The security log: every sign-in, failure, lockout and sign-out, on the logger ``servicedesk.security``.

Each line names the event, the username as typed, the client's address and its user agent; never a
password, a session key or a token. Values are written with ``repr`` so that a username with a line break
cannot forge a second line. The same facts are kept for administrators by axes (``AccessLog``,
``AccessFailureLog``, ``AccessAttempt`` in the admin).
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from servicedesk.signin.address import client_address

logger = logging.getLogger("servicedesk.security")

MAX_AGENT = 200


def security_event(
    level: int, event: str, *, request: HttpRequest | None, username: str | None, detail: str = ""
) -> None:
    """One line on the security log; the same facts as ``extra`` fields for a structured handler. ``detail`` says
    more (a single sign-on's roles, why it was refused), written as ``repr`` too."""
    meta = request.META if request is not None else {}
    address = client_address(request) if request is not None else ""
    agent = meta.get("HTTP_USER_AGENT", "")[:MAX_AGENT]
    logger.log(
        level,
        "%s: username=%r address=%s agent=%r" + (" detail=%r" if detail else ""),
        event,
        username or "",
        address or "-",
        agent,
        *([detail] if detail else []),
        extra={
            "event": event,
            "username": username or "",
            "client_address": address,
            "user_agent": agent,
            "detail": detail,
        },
    )


def _signed_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    security_event(logging.INFO, "sign-in", request=request, username=user.get_username() if user else None)


def _signed_out(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    security_event(logging.INFO, "sign-out", request=request, username=user.get_username() if user else None)


def _sign_in_failed(sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django has already masked the password in ``credentials``; only the username is read from it anyway.
    if "nonce" in credentials:
        return  # a single sign-on's callback: servicedesk.sso has logged why it was refused
    security_event(logging.WARNING, "sign-in failed", request=request, username=credentials.get("username"))


def _locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any) -> None:
    security_event(logging.WARNING, "sign-in locked out", request=request, username=username)


def connect() -> None:
    """Called once from ``ServicedeskConfig.ready``."""
    user_logged_in.connect(_signed_in, dispatch_uid="servicedesk.security.sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="servicedesk.security.sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="servicedesk.security.sign_in_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="servicedesk.security.locked_out")
