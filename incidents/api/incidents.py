"""Incidents through the API: the list with the list page's filters, one incident whole, and recording a call."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.responses import (
    ETAG,
    PROBLEM,
    form_refused,
    incident_answer,
    incident_or_404,
    incident_response,
    shape_refused,
)
from incidents.api.serializers import IncidentDetailSerializer, IncidentSerializer
from incidents.api.steps import StepActions
from incidents.choices import State
from incidents.filters import ALL, OPEN, IncidentFilter
from incidents.forms.recording import RecordIncidentForm
from incidents.models import Incident
from incidents.recording import calls
from servicedesk.api.filters import StrictFilterBackend
from servicedesk.api.forms import bound, form_serializer
from servicedesk.api.pagination import CursorPages
from servicedesk.api.views import ApiViewSet


class RecordSerializer(form_serializer(RecordIncidentForm, "RecordIncidentFields", hidden=("caller_id",))):
    """Recording a call: the call-logging page's fields, and the master it may be recorded under."""

    parent = serializers.CharField(required=False, help_text="Record it as a subordinate of this incident.")


class IncidentPages(CursorPages):
    """Newest first, a page at a time by a cursor: no count of every incident, the same speed on page 1,000."""

    ordering = ("-reported_at", "-id")
    page_size = 25


LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], required=True, description="Where to read it."
)
# The filter's choices are grouped for the page's select, which the schema's generator cannot flatten.
STATE = OpenApiParameter(
    "state", str, many=True, enum=[OPEN, ALL, *State.values], description="open (the default), all, or these states."
)


@extend_schema_view(list=extend_schema(parameters=[STATE]))
class IncidentViewSet(StepActions, mixins.ListModelMixin, ApiViewSet):
    """``/api/v1/incidents/``: read by every role; recorded by the service desk only; every lifecycle step an
    action of its own (``incidents.api.steps``)."""

    permission_required = "incidents.view_incident"
    serializer_class = IncidentSerializer
    filter_backends = [StrictFilterBackend]
    filterset_class = IncidentFilter
    pagination_class = IncidentPages
    lookup_field = "number"
    lookup_value_regex = "[^/]+"  # any key reaches the view: one that names nothing is a 404 problem

    def get_queryset(self) -> Any:
        return selectors.incident_list()

    @extend_schema(parameters=[ETAG], responses={200: IncidentDetailSerializer, 404: PROBLEM})
    def retrieve(self, request: Request, number: str) -> Response:
        """One incident: details, subordinates, clock, journal, and the steps you may take now. Its ``ETag`` is
        what a write sends back in ``If-Match``."""
        return incident_answer(request, incident_or_404(selectors.incident_for_api(), number))

    @extend_schema(
        request=RecordSerializer,
        parameters=[ETAG, LOCATION],
        responses={201: IncidentDetailSerializer, 400: PROBLEM, 403: PROBLEM},
    )
    def create(self, request: Request) -> Response:
        """Record a call (the service desk only), validated as the call-logging page validates it; the caller is
        found by ``caller_id``, or by an e-mail address, phone number or full name in ``caller``."""
        calls.ensure_may_record(request.user)
        refused = shape_refused(RecordIncidentForm, request)
        if refused is not None:
            return refused
        parent = _parent(request.data)
        form = bound(RecordIncidentForm, request, extra={"mail": None, "opened": ""})
        if not form.is_valid():
            return form_refused(form)
        with transaction.atomic():
            incident = calls.incident_record(by=request.user, **{**form.record_fields(), "parent": parent})
        response = incident_response(request, incident.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response


def _parent(data: Any) -> Incident | None:
    """The master incident the body names in ``parent``: an unknown number is the body's mistake (400), not a
    missing resource at the address (404)."""
    number = data.get("parent") if isinstance(data, dict) else None
    if not number:
        return None
    parent = Incident.objects.defer("search_vector").filter(number=str(number)).first()
    if parent is None:
        raise ValidationError({"parent": [_("There is no incident %(number)s.") % {"number": number}]})
    return parent
