"""Every lifecycle step as its own action, ``POST /api/v1/incidents/INC0001234/escalate/``: the step's page form
validates the body, the step's service takes it, under the same rules as the page (role, state, the
serious-incident gate, time spent). The version comes from ``If-Match``; a stale one is refused with 412 and
what changed since."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.responses import ETAG, PROBLEM, form_refused, incident_or_404, incident_response, shape_refused
from incidents.api.serializers import IncidentDetailSerializer
from incidents.core.stale import StaleIncident, ensure_current
from incidents.lifecycle import rules
from incidents.pages.steps import PAGES, StepPage
from servicedesk.api.forms import bound, form_serializer
from servicedesk.api.problems import Problem, errors_said, field_errors, problem_response
from servicedesk.api.versions import ETAG_PATTERN, expected_version

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag you read, such as "v3".',
    pattern=ETAG_PATTERN,
)


def stale(error: StaleIncident) -> Response:
    """412: the incident moved on since the version sent; what changed, who and when, so the client can decide."""
    changes = [
        {"kind": entry.kind, "at": entry.created_at.isoformat(), "version": entry.incident_version}
        for entry in error.changes
    ]
    return problem_response(
        status.HTTP_412_PRECONDITION_FAILED,
        "stale",
        error.messages[0],
        current_version=error.current_version,
        changes=changes,
    )


def take_step(request: Request, number: str, name: str) -> Response:
    page: StepPage = PAGES[name]
    version = expected_version(request)
    incident = incident_or_404(selectors.incident_for_step(), number)
    try:
        ensure_current(incident, version)
    except StaleIncident as error:
        return stale(error)
    try:
        rules.ensure_step_allowed(incident=incident, step=name, user=request.user)
    except ValidationError as error:  # the state, or the serious-incident gate: not the body's fault
        raise Problem(status.HTTP_409_CONFLICT, "conflict", " ".join(error.messages)) from None
    refused = shape_refused(page.form, request)
    if refused is not None:
        return refused
    form = bound(page.form, request, extra={"version": version}, incident=incident, **page.form_extra(incident))
    if not form.is_valid():
        return form_refused(form)
    try:
        page.take(by=request.user, incident=incident, data=form.cleaned_data)
    except StaleIncident as error:
        return stale(error)
    except ValidationError as error:
        errors = field_errors(error)
        return problem_response(status.HTTP_400_BAD_REQUEST, "invalid", errors_said(errors), errors=errors)
    return incident_response(request, incident.pk)


def step_action(name: str) -> Any:
    """The viewset's action for one step, described to the schema with its form's fields."""
    page = PAGES[name]
    body = form_serializer(page.form, "".join(part.title() for part in name.split("_")) + "Step")

    def step(self: Any, request: Request, number: str) -> Response:
        return take_step(request, number, name)

    # Named before ``action`` reads the name: the router finds the method by it.
    step.__name__ = name
    step.__doc__ = f"{page.button}: the step's rules as on its page."
    routed = action(detail=True, methods=["post"], url_path=name.replace("_", "-"), url_name=name.replace("_", "-"))
    described = extend_schema(
        summary=str(page.button),
        request=body,
        parameters=[IF_MATCH, ETAG],
        responses={
            200: IncidentDetailSerializer,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: OpenApiResponse(description="Not in a state for this step, or the serious-incident gate."),
            412: OpenApiResponse(description="The incident changed since the ETag sent: what changed, in the problem."),
            428: OpenApiResponse(description="No If-Match sent."),
        },
    )
    return described(routed(step))


# The viewset's step actions, one per step of the lifecycle's table (``incidents.pages.steps``).
StepActions = type("StepActions", (), {name: step_action(name) for name in PAGES})
