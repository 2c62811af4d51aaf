"""Django's own error pages, as problem details under ``/api/``: a request refused before it reaches an API view
(the input guard's 400, an address that names no route, a server error) is answered in the API's one shape."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"


def _problem(status: int, kind: str, detail: str) -> JsonResponse:
    body = {
        "type": f"https://servicedesk.invalid/problems/{kind}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return JsonResponse(body, status=status, content_type=MEDIA_TYPE)


def _api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        reason = str(exception) if exception.args else _("The request could not be read.")
        return _problem(400, "bad-request", reason)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return _problem(404, "not-found", _("There is nothing at this address."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _problem(500, "server-error", _("The desk could not answer; the error is logged."))
    return defaults.server_error(request)
