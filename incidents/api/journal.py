"""An incident's journal through the API: read a page at a time, write a work note (with files) or a customer update
through the journal form of the incident page, provide the workaround, and download the files attached.

Writes are the page's: the same forms, the same services, the same refusals (who may write, a closed journal,
the serious-incident gate, the files' checks). The workaround's form carries the version it was opened at, so
it needs ``If-Match``; a note or an update does not change the incident, and needs none.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors
from incidents.api.responses import PROBLEM, form_refused, incident_or_404
from incidents.api.serializers import JournalEntrySerializer
from incidents.api.steps import IF_MATCH, stale
from incidents.choices import OPEN_STATES
from incidents.core.stale import StaleIncident, ensure_current
from incidents.forms.journal import JournalEntryForm, WorkaroundForm
from incidents.journal import attachments, notes
from incidents.journal.timeline import SHOW_ALL, SHOW_CHANGES, SHOW_CUSTOMER, shown_condition, timeline_entries
from incidents.models import Activity, Attachment, Incident
from servicedesk.api.forms import bound, form_serializer
from servicedesk.api.pagination import StrictPageSize, nullable_links
from servicedesk.api.problems import errors_said, field_errors, problem_response
from servicedesk.api.versions import etag, expected_version
from servicedesk.api.views import Api, ApiView

NUMBER = OpenApiParameter(
    "number", str, OpenApiParameter.PATH, pattern="^[A-Za-z0-9]+$", description="The incident's number, INC0001234."
)
ETAG = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[201], description="The incident's version after the write."
)
OLDEST, NEWEST = "oldest", "newest"
# A refusal about the incident as it stands (closed, not open, the serious-incident gate), not about the body.
CONFLICTS = {"closed", "state", "notices_sent"}


class JournalQuery(serializers.Serializer):
    show = serializers.ChoiceField(
        choices=[SHOW_ALL, SHOW_CUSTOMER, SHOW_CHANGES],
        default=SHOW_ALL,
        help_text="Everything, what the caller sees (customer), or the changes: the timeline's filter.",
    )
    order = serializers.ChoiceField(choices=[OLDEST, NEWEST], default=OLDEST, help_text="Oldest first, as the page.")


class JournalPages(StrictPageSize, CursorPagination):
    """A page of the journal at a time, oldest or newest first, by a cursor: the same cost on page 1 and 100."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        if request.query_params.get("order") == NEWEST:
            return ("-created_at", "-id")
        return ("created_at", "id")

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return nullable_links(super().get_paginated_response_schema(schema))


EntryRequest = form_serializer(JournalEntryForm, "NewJournalEntry")
WorkaroundRequest = form_serializer(WorkaroundForm, "ProvideWorkaround")


def _incident_to_write(request: Request, number: str) -> Incident:
    """The incident, once the caller may write in its journal (the service locks and loads it again)."""
    incident = incident_or_404(Incident.objects.defer("search_vector").select_related("assigned_group"), number)
    notes.ensure_may_write(incident, request.user)
    return incident


def _refused(error: ValidationError) -> Response:
    """A service's refusal: 412 when the incident moved on, 409 for its state or the gate, else 400 by field."""
    if isinstance(error, StaleIncident):
        return stale(error)
    if getattr(error, "code", None) in CONFLICTS:
        return problem_response(status.HTTP_409_CONFLICT, "conflict", " ".join(error.messages))
    errors = field_errors(error)
    return problem_response(status.HTTP_400_BAD_REQUEST, "invalid", errors_said(errors), errors=errors)


def _written(request: Request, entry: Activity) -> Response:
    """201: the entry as the timeline shows it, with the incident's version after the write as its ETag."""
    incident = Incident.objects.only("pk", "number", "state", "version").get(pk=entry.incident_id)
    row = selectors.journal_entries().get(pk=entry.pk)
    body = JournalEntrySerializer(timeline_entries(incident, [row])[0], context={"request": request}).data
    response = Response(body, status=status.HTTP_201_CREATED)
    response["ETag"] = etag(incident.version)
    return response


class JournalView(Api, generics.GenericAPIView):
    """``/api/v1/incidents/INC0001234/journal/``: read by every role that reads incidents; written by the desk
    and the assigned group's members, as on the page."""

    permission_required = "incidents.view_incident"
    pagination_class = JournalPages
    serializer_class = JournalEntrySerializer
    filter_backends = []  # its own parameters (show, order), read by the timeline's filter

    @extend_schema(
        summary="Read the journal",
        parameters=[NUMBER, JournalQuery],
        responses={200: JournalEntrySerializer(many=True), 400: PROBLEM, 403: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request, number: str) -> Response:
        """The journal a page at a time, filtered as the page's timeline; the incident's version is the ETag."""
        query = JournalQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        incident = incident_or_404(Incident.objects.only("pk", "number", "state", "version"), number)
        rows = selectors.journal_entries().filter(shown_condition(query.validated_data["show"]), incident=incident)
        page = self.paginate_queryset(rows)
        body = JournalEntrySerializer(timeline_entries(incident, page), many=True, context={"request": request}).data
        response = self.get_paginated_response(body)
        response["ETag"] = etag(incident.version)
        return response

    @extend_schema(
        summary="Write a work note or a customer update",
        parameters=[NUMBER, ETAG],
        request={"application/json": EntryRequest, "multipart/form-data": EntryRequest},
        responses={
            201: JournalEntrySerializer,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: OpenApiResponse(description="The journal is closed, or the serious-incident gate holds updates."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        """A work note (internal; files as multipart ``files``) or a customer update, mailed to the people kept
        informed (``to_subordinates``: to the open subordinates' callers too, each journaled on its own incident)."""
        incident = _incident_to_write(request, number)
        open_subordinates = incident.subordinates.filter(state__in=OPEN_STATES).exists()
        form = bound(JournalEntryForm, request, prefix=None, subordinates=open_subordinates)
        if not form.is_valid():
            return form_refused(form)
        try:
            entry = notes.incident_write_entry(
                by=request.user,
                incident_id=incident.pk,
                **form.entry_fields(),
            )[0]
        except ValidationError as error:
            return _refused(error)
        return _written(request, entry)


class WorkaroundView(ApiView):
    """``/api/v1/incidents/INC0001234/workaround/``: the workaround, recorded and mailed to the caller."""

    permission_required = "incidents.view_incident"

    @extend_schema(
        summary="Provide the workaround",
        parameters=[NUMBER, IF_MATCH, ETAG],
        request=WorkaroundRequest,
        responses={
            201: JournalEntrySerializer,
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
            409: OpenApiResponse(description="The incident is not open, or the serious-incident gate holds it."),
            412: OpenApiResponse(description="The incident changed since the ETag sent: what changed, in the problem."),
            428: OpenApiResponse(description="No If-Match sent."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        """Record the workaround the caller can use until the fault is fixed; the caller is mailed it."""
        version = expected_version(request)
        incident = _incident_to_write(request, number)
        form = bound(WorkaroundForm, request, extra={"expected_version": version}, prefix=None)
        if not form.is_valid():
            return form_refused(form)
        try:
            ensure_current(incident, version)
        except StaleIncident as error:
            return stale(error)
        try:
            entry = notes.incident_provide_workaround(
                by=request.user, incident_id=incident.pk, **form.workaround_fields()
            )
        except ValidationError as error:
            return _refused(error)
        return _written(request, entry)


class AnyAccept(BaseContentNegotiation):
    """A file is what it is, whatever the client accepts; a refusal is still problem details."""

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None


# The types a file is served as, for the schema: those the journal accepts.
FILE_MEDIA_TYPES = sorted({file_type.content_type.split(";")[0] for file_type in attachments.FILE_TYPES.values()})


class AttachmentView(ApiView):
    """``/api/v1/incidents/INC0001234/attachments/7/``: a file of the journal, for an integration with a token
    (the page's address serves the signed-in)."""

    permission_required = "incidents.view_incident"
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary="Download an attached file",
        parameters=[NUMBER],
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in FILE_MEDIA_TYPES},
            400: PROBLEM,
            403: PROBLEM,
            404: PROBLEM,
        },
    )
    def get(self, request: Request, number: str, pk: int) -> Any:
        """The file as it was checked at upload: images inline, the rest as a download, in a sandbox."""
        found = get_object_or_404(Attachment, pk=pk, activity__incident__number=number)
        return attachments.file_response(found)
