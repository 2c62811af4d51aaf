"""Django's own refusals, met before any API view runs, as problem details under ``/api/``: an address that names
no endpoint (404), a request the input guard refuses (400, ``servicedesk.input_guard``), a 403 from a middleware
and a server error. Elsewhere the portal's pages answer as Django does. Wired as ``handler400``... in
``servicedesk/urls.py``."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from servicedesk.api.problems import MEDIA_TYPE, problem_body

API_PREFIX = "/api/"


def _problem(status_code: int, kind: str, detail: str) -> HttpResponse:
    return JsonResponse(problem_body(status_code, kind, detail), status=status_code, content_type=MEDIA_TYPE)


def _in_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _in_api(request):
        return defaults.bad_request(request, exception)
    # The input guard's reasons are its own words; another refusal (a suspicious host...) is not repeated back.
    detail = str(exception) if type(exception) is BadRequest else _("The request could not be read.")
    return _problem(HTTPStatus.BAD_REQUEST, "bad-request", detail)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _in_api(request):
        return defaults.permission_denied(request, exception)
    return _problem(HTTPStatus.FORBIDDEN, "permission-denied", str(exception) or _("This is not allowed."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _in_api(request):
        return defaults.page_not_found(request, exception)
    return _problem(HTTPStatus.NOT_FOUND, "not-found", _("No endpoint of the API has this address."))


def server_error(request: HttpRequest) -> HttpResponse:
    if not _in_api(request):
        return defaults.server_error(request)
    return _problem(HTTPStatus.INTERNAL_SERVER_ERROR, "", _("Something went wrong on our side; it has been logged."))
