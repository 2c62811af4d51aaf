"""Incidents through the API: the list with the list page's filters, one incident whole, and recording a call."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.paging import StrictPageSize, nullable_links
from incidents.api.responses import PROBLEM, form_refused, incident_response
from incidents.api.serializers import IncidentDetailSerializer, IncidentSerializer
from incidents.api.steps import StepActions
from incidents.filters import IncidentFilter
from incidents.forms.recording import RecordIncidentForm
from incidents.models import Incident
from incidents.recording import calls
from servicedesk.api.forms import bound, form_serializer
from servicedesk.api.views import ApiViewSet

RecordSerializer = type(
    "RecordIncident",
    (form_serializer(RecordIncidentForm, "RecordIncidentFields", hidden=("caller_id",)),),
    {"parent": serializers.CharField(required=False, help_text="Record it as a subordinate of this incident.")},
)


class IncidentPages(StrictPageSize, CursorPagination):
    """Newest first, a page at a time by a cursor: no count of every incident, the same speed on page 1,000."""

    ordering = ("-reported_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return nullable_links(super().get_paginated_response_schema(schema))


class IncidentViewSet(StepActions, mixins.ListModelMixin, ApiViewSet):
    """``/api/v1/incidents/``: read by every role; recorded by the service desk only; every lifecycle step an
    action of its own (``incidents.api.steps``)."""

    permission_required = "incidents.view_incident"
    serializer_class = IncidentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = IncidentFilter
    pagination_class = IncidentPages
    lookup_field = "number"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_queryset(self) -> Any:
        return selectors.incident_list()

    @extend_schema(responses={200: IncidentDetailSerializer, 404: PROBLEM})
    def retrieve(self, request: Request, number: str) -> Response:
        """One incident: details, subordinates, clock, journal, and the steps you may take now. Its ``ETag`` is
        what a write sends back in ``If-Match``."""
        incident = get_object_or_404(Incident.objects.only("id"), number=number)
        return incident_response(request, incident.pk)

    @extend_schema(request=RecordSerializer, responses={201: IncidentDetailSerializer, 400: PROBLEM, 403: PROBLEM})
    def create(self, request: Request) -> Response:
        """Record a call (the service desk only), validated as the call-logging page validates it; the caller is
        found by ``caller_id``, or by an e-mail address, phone number or full name in ``caller``."""
        calls.ensure_may_record(request.user)
        parent = None
        if request.data.get("parent"):
            parent = get_object_or_404(Incident.objects.defer("search_vector"), number=str(request.data["parent"]))
        form = bound(RecordIncidentForm, request, extra={"mail": None, "opened": ""})
        if not form.is_valid():
            return form_refused(form)
        with transaction.atomic():
            incident = calls.incident_record(by=request.user, **{**form.record_fields(), "parent": parent})
        response = incident_response(request, incident.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = response.data["url"]
        return response
