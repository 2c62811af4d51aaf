"""How long each view takes and how many SQL statements it runs, by the view's name: never the path, which
carries incident numbers and signed tokens and would make a series of every address."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

# Any other method a client makes up is one label, not one series each.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "unresolved"

REQUEST_SECONDS = Histogram(
    "servicedesk_http_request_duration_seconds",
    "Time from the first middleware to the response, by view, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_QUERIES = Histogram(
    "servicedesk_http_request_queries",
    "SQL statements a request ran, by view and method.",
    ["view", "method"],
    buckets=(0, 1, 2, 5, 10, 20, 30, 50, 100, 200),
)


class QueryCounter:
    """An ``execute_wrapper`` that counts the statements it lets through."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class RequestMetrics:
    """Second in ``MIDDLEWARE``, after the input guard, so that the time and the statements of every other
    middleware count too.

    It runs no query of its own and never touches the session or the user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view, method = view_name(request), request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method, f"{response.status_code // 100}xx").observe(elapsed)
        REQUEST_QUERIES.labels(view, method).observe(queries.count)
        return response


def view_name(request: HttpRequest) -> str:
    """``incidents:incident_detail`` (or the view's dotted path when its URL has no name); ``unresolved`` for
    an address no URL matched."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNRESOLVED
