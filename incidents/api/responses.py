"""What the API answers after a read or a write: the incident whole with its ETag, or a refusal."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.serializers import IncidentDetailSerializer
from incidents.journal.timeline import timeline
from incidents.lifecycle.rules import available_steps
from incidents.models import Incident
from servicedesk.api.forms import shape_errors
from servicedesk.api.problems import errors_said, problem_response
from servicedesk.api.versions import etag

PROBLEM = OpenApiResponse(description="A refusal, as problem details (RFC 9457).")
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    required=True,
    description="The incident's version: send it back in If-Match with a write.",
)


def incident_response(request: Request, incident_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    """One incident whole, read afresh, with its version as the ``ETag``."""
    return incident_answer(request, selectors.incident_for_api().get(pk=incident_id), status_code=status_code)


def incident_answer(request: Request, incident: Any, *, status_code: int = status.HTTP_200_OK) -> Response:
    """``incident``, read by ``selectors.incident_for_api``, whole with its version as the ``ETag``."""
    context = {
        "request": request,
        "timeline": timeline(incident),
        "steps": available_steps(incident=incident, user=request.user),
    }
    response = Response(IncidentDetailSerializer(incident, context=context).data, status=status_code)
    response["ETag"] = etag(incident.version)
    return response


def _invalid(errors: dict[str, list[str]]) -> Response:
    errors = {("non_field_errors" if name == "__all__" else name): messages for name, messages in errors.items()}
    return problem_response(status.HTTP_400_BAD_REQUEST, "invalid", errors_said(errors), errors=errors)


def form_refused(form: Any) -> Response:
    """A form's errors as a 400 problem."""
    return _invalid({name: [str(message) for message in messages] for name, messages in form.errors.items()})


def shape_refused(form_class: type[Any], request: Request) -> Response | None:
    """A JSON body with a field of the wrong type (a text for a number, an object for a text): a 400 before the
    form reads it. A form-encoded body holds texts only, which the form reads as the page's."""
    if hasattr(request.data, "getlist"):
        return None
    errors = shape_errors(form_class, request.data)
    return _invalid(errors) if errors else None


def incident_or_404(queryset: QuerySet[Incident], number: str) -> Incident:
    """The incident of this number from ``queryset``, or a 404 problem that names the number."""
    incident = queryset.filter(number=number).first()
    if incident is None:
        raise NotFound(_("There is no incident %(number)s.") % {"number": number})
    return incident
