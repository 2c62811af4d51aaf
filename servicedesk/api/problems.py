"""Every refusal of the API in one JSON shape: problem details (RFC 9457), with the fields' errors.

``{"type", "title", "status", "detail", "errors": {"field": ["…"]}}``; a stale write adds what changed since.
Bad input is always a 4xx: a service's ``ValidationError`` is 400 (409 where the view says it is about the
record's state), Django's ``PermissionDenied`` is 403 with its sentence, ``Http404`` is 404.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://servicedesk.invalid/problems/"  # names, not pages: RFC 9457 allows a URI that resolves to nothing


class Problem(exceptions.APIException):
    """A refusal with its own type (``stale``, ``conflict``, ``precondition-required``…) and extra members."""

    def __init__(self, status_code: int, kind: str, detail: str, **extra: Any) -> None:
        self.status_code = status_code
        self.kind = kind
        self.extra = extra
        super().__init__(detail)


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as the problem's ``errors``: by field, ``non_field_errors`` for the rest."""
    if hasattr(error, "error_dict"):
        return {("non_field_errors" if name == "__all__" else name): list(messages)
                for name, messages in error.message_dict.items()}  # fmt: skip
    return {"non_field_errors": list(error.messages)}


def errors_said(errors: dict[str, list[str]]) -> str:
    """The errors in one sentence for ``detail``: "reason: This field is required." """
    return " ".join(
        message if name == "non_field_errors" else f"{name}: {message}"
        for name, messages in errors.items()
        for message in messages
    )


def problem_body(status_code: int, kind: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        **extra,
    }


def problem_response(status_code: int, kind: str, detail: str, **extra: Any) -> Response:
    return Response(problem_body(status_code, kind, detail, **extra), status=status_code, content_type=MEDIA_TYPE)


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: the response DRF would give, in the problem shape."""
    if isinstance(exc, Problem):
        return problem_response(exc.status_code, exc.kind, str(exc.detail), **exc.extra)
    if isinstance(exc, ValidationError):
        errors = field_errors(exc)
        return problem_response(status.HTTP_400_BAD_REQUEST, "invalid", errors_said(errors), errors=errors)
    if isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc.args[0]) if exc.args else _("There is no such record."))
    response = exception_handler(exc, context)
    if response is None:
        return None
    kind = ""
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        kind, extra["errors"] = "invalid", _errors(exc.detail)
        detail = errors_said(extra["errors"])
    else:
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        kind = getattr(exc, "default_code", "") if isinstance(exc, exceptions.APIException) else ""
    problem = problem_response(response.status_code, kind.replace("_", "-"), detail, **extra)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            problem[header] = response[header]
    return problem


def _errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail, flattened to dotted field names."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            flat.update(_errors(value, f"{prefix}{name}."))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(item, str) for item in detail):
        return {prefix.rstrip(".") or "non_field_errors": [str(item) for item in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_errors(value, f"{prefix}{index}."))
        return flat
    return {prefix.rstrip(".") or "non_field_errors": [str(detail)]}
