"""The support groups' queue through the API, ``/api/v1/queue/``: the open incidents of the caller's groups, in the
page's tabs, order and filters (``incidents.worklists.queues``, ``QueueFilter``), a page at a time, each tab with
its count. For those who work incidents of their groups, as the page."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.responses import PROBLEM
from incidents.api.serializers import IncidentSerializer
from incidents.filters import QueueFilter
from incidents.models import Incident
from incidents.worklists import queues
from servicedesk.api.filters import StrictFilterBackend
from servicedesk.api.pagination import StrictPageSize, nullable_links
from servicedesk.api.views import Api
from servicedesk.pages import PAGE_SIZE, KeysFirstPaginator
from servicedesk.tabs import Tab

TAB_NAMES = [tab.name for tab in queues.TABS]
TAB = OpenApiParameter(
    "tab", str, enum=TAB_NAMES, default=TAB_NAMES[0], description="The page's tab: " + ", ".join(TAB_NAMES) + "."
)


class QueueIncidentSerializer(IncidentSerializer):
    """An incident in the queue: as in the incident list, with the due time the queue's service-level column shows
    (the response until a member acknowledges it, then the resolution)."""

    next_due_at = serializers.DateTimeField(allow_null=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "next_due_at"]
        read_only_fields = fields


class QueuePages(StrictPageSize, PageNumberPagination):
    """Numbered pages, as the page's: the queue is a group's open incidents, never a million rows."""

    django_paginator_class = KeysFirstPaginator
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = nullable_links(super().get_paginated_response_schema(schema))
        paged["properties"] |= {
            "tab": {"type": "string", "enum": TAB_NAMES, "description": "The tab shown."},
            "order": {"type": "string", "description": "The queue's order, in words."},
            "tabs": {"type": "array", "items": TAB_ITEM, "description": "Every tab with its count."},
        }
        paged["required"] = [*paged.get("required", []), "tab", "order", "tabs"]
        return paged


TAB_ITEM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "enum": TAB_NAMES},
        "label": {"type": "string"},
        "count": {"type": "integer"},
        "empty": {"type": "string", "description": "What the page says when the tab holds nothing."},
    },
    "required": ["name", "label", "count", "empty"],
}


class QueueFilterBackend(StrictFilterBackend):
    """The queue's filters, whose group is one of the caller's own (``QueueFilter`` takes the user)."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view), "user": request.user}


class QueryTab(serializers.Serializer):
    tab = serializers.ChoiceField(choices=TAB_NAMES, default=TAB_NAMES[0])


class QueueView(Api, mixins.ListModelMixin, generics.GenericAPIView):
    """The queue of the caller's support groups; a caller in no group has an empty queue, as on the page."""

    permission_required = "incidents.work_incident"
    queryset = Incident.objects.none()  # the model, for the schema; the rows are ``get_queryset``'s
    serializer_class = QueueIncidentSerializer
    filter_backends = [QueueFilterBackend]
    filterset_class = QueueFilter
    pagination_class = QueuePages

    @cached_property
    def current_tab(self) -> Tab:
        query = QueryTab(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return queues.tab_named(query.validated_data["tab"])

    def get_queryset(self) -> QuerySet[Incident]:
        return queues.queue(self.request.user, self.current_tab)

    @extend_schema(
        summary="The queue",
        parameters=[TAB],
        responses={200: QueueIncidentSerializer(many=True), 400: PROBLEM, 403: PROBLEM, 404: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        """What needs doing first, first: not acknowledged, then by priority, then by the next due time. An
        unknown tab or filter value is refused (400), a page past the last is 404."""
        return self.list(request)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        counts = queues.queue_counts(self.request.user)
        tabs = [
            {"name": tab.name, "label": str(tab.label), "count": counts[tab.name], "empty": str(tab.empty)}
            for tab in queues.TABS
        ]
        response.data |= {"tab": self.current_tab.name, "order": str(queues.QUEUE_ORDER), "tabs": tabs}
        return response
