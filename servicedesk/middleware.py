"""Middleware of the project."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from servicedesk.actor import acting_as


class ActorMiddleware:
    """Audits every write a request makes as its user's, with the request's method and path as context.

    After ``AuthenticationMiddleware``; the user is read only when the request writes an audited table
    (``servicedesk.actor``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None), f"request {request.method} {request.path}"):
            return self.get_response(request)
