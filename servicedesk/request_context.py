"""What a log line says about where it comes from: the request's id, its user and incident, and the Celery task
it started (decision record 0031). Kept in context variables, which structlog merges into every line."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars, reset_contextvars

HEADER = "X-Request-ID"
# A proxy's id is kept when it is a plain token (a UUID, nginx's $request_id): anything else would let a client
# write what it likes into every line of its request.
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
INCIDENT_NUMBER = re.compile(r"INC\d{1,12}", re.IGNORECASE)

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("servicedesk_request", default=None)


def sane_id(value: object) -> str | None:
    return value if isinstance(value, str) and SANE_ID.fullmatch(value) else None


def current_request_id() -> str | None:
    return get_contextvars().get("request_id")


class RequestIdMiddleware:
    """Gives every request an id (the proxy's ``X-Request-ID`` when sane, else a new one), binds it for the
    request's log lines and tasks, and answers it in the response's ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_id(request.headers.get(HEADER)) or uuid.uuid4().hex
        # Nothing of the previous request of this thread stays, even if it never finished cleanly.
        clear_contextvars()
        bind_contextvars(request_id=request_id)
        _request.set(request)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response

    def process_view(self, request: HttpRequest, view: object, args: object, kwargs: Mapping[str, Any]) -> None:
        number = kwargs.get("number")
        if isinstance(number, str) and INCIDENT_NUMBER.fullmatch(number):
            bind_contextvars(incident=number.upper())


def _forget_the_request(**kwargs: object) -> None:
    # Django logs a refused response (a 404 returned by a view) after the middleware has answered: the context
    # stays until the response is closed.
    clear_contextvars()
    _request.set(None)


request_finished.connect(_forget_the_request, dispatch_uid="servicedesk.request_context")


def add_user(logger: object, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: the id of the request's user, once something has loaded it (never the name or the
    e-mail; a log line never loads the user itself, which would cost a query on a page that needs none)."""
    request = _request.get()
    user = request.__dict__.get("user") if request is not None else None
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        event.setdefault("user_id", user.pk)
    return event


# --- Celery -------------------------------------------------------------------------------------------

_task_tokens: dict[str, Mapping[str, contextvars.Token[Any]]] = {}


def message_headers(headers: dict[str, Any]) -> None:
    """Into a task's message published now: the id of the request (or task) that publishes it."""
    request_id = current_request_id()
    if request_id and "request_id" not in headers:
        headers["request_id"] = request_id


def task_started(task_id: str, task: Any) -> None:
    """Binds the task's name and id, and the request id its message carries, for the lines it logs."""
    if not task.request.is_eager:
        clear_contextvars()  # a worker's last task left nothing, even if it died before its end
    request_id = sane_id(getattr(task.request, "request_id", None))
    bound = {"task": task.name, "task_id": task_id} | ({"request_id": request_id} if request_id else {})
    _task_tokens[task_id] = bind_contextvars(**bound)


def task_finished(task_id: str) -> None:
    """Back to what was bound before: nothing in a worker, the request's context for a task run eagerly in it."""
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        reset_contextvars(**tokens)
