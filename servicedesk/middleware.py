"""Middleware of the project."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from servicedesk.actor import acting_as, acting_in
from servicedesk.logs import redact
from servicedesk.sessions import session_idle


class ActorMiddleware:
    """Audits every write a request makes as its user's, with the request's method and route as context: the
    route, not the path, so that a caller's signed link is not kept in the audit table.

    After ``AuthenticationMiddleware``; the user is read only when the request writes an audited table
    (``servicedesk.actor``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Until the URL is resolved (a 404, or a write by another middleware) the path stands, masked.
        with acting_as(getattr(request, "user", None), f"request {request.method} {redact(request.path)}"):
            return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: object) -> None:
        """The route the handler resolved: ``/incidents/<str:number>/`` for ``/incidents/INC0001234/``."""
        acting_in(f"request {request.method} /{request.resolver_match.route}")


class PrivatePages:
    """``Cache-Control: private, no-store`` on every response to a signed-in user (pages, fragments, exports,
    attachments): a shared proxy must not keep them, nor the browser's cache after signing out. A response
    that says otherwise already (a static file, a page that sets its own) is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class IdleSessions:
    """Signs out a session left idle longer than ``SESSION_IDLE_MINUTES``; the page asked for then asks to
    sign in again, and says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if session_idle(request):
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)s minutes without activity. Please sign in again.")
                % {"minutes": settings.SESSION_IDLE_MINUTES},
            )
        return self.get_response(request)
