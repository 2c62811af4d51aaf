"""The CMDB's endpoints: every record listed with its page's filters and read by every staff role; created and
changed by configuration managers through the page's form; a CI's relationships (added and removed as on its
page) and the business services its failure affects; the tree of CIs a service is built from."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from cmdb import impact, selectors
from cmdb.api.serializers import (
    AffectedServiceSerializer,
    ConfigurationItemDetailSerializer,
    ConfigurationItemSerializer,
    ContactSerializer,
    LocationDetailSerializer,
    LocationSerializer,
    PlannedChangeDetailSerializer,
    PlannedChangeSerializer,
    RelationshipSerializer,
    ServiceDetailSerializer,
    ServiceSerializer,
    ServiceTreeSerializer,
    SupportGroupDetailSerializer,
    SupportGroupSerializer,
)
from cmdb.filters import (
    ChangeFilter,
    ConfigurationItemFilter,
    ContactFilter,
    LocationFilter,
    ServiceFilter,
    SupportGroupFilter,
)
from cmdb.forms import (
    ChangeForm,
    ConfigurationItemForm,
    ContactForm,
    LocationForm,
    RelationshipForm,
    ServiceForm,
    SupportGroupForm,
)
from cmdb.models import ConfigurationItem, Relationship, Service
from servicedesk.api.forms import bound, form_serializer
from servicedesk.api.pagination import cursor_pages
from servicedesk.api.records import (
    FormRecordViewSet,
    invalid,
    json_body_errors,
    record_permissions,
    record_schema,
    refused,
)
from servicedesk.api.schema import refusals
from servicedesk.api.views import ApiViewSet

EDITORS = "Configuration managers only."


@record_schema(
    noun="location",
    listed=LocationSerializer,
    detail=LocationDetailSerializer,
    write=form_serializer(LocationForm, "LocationWrite"),
    who_writes=EDITORS,
)
class LocationViewSet(FormRecordViewSet):
    """Sites, buildings, floors and rooms, by name."""

    permission_required = record_permissions("cmdb", "location")
    serializer_class = LocationSerializer
    detail_serializer_class = LocationDetailSerializer
    filterset_class = LocationFilter
    pagination_class = cursor_pages("name", "id")
    form_class = LocationForm

    def get_queryset(self) -> QuerySet:
        return selectors.location_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.location_detail()


@record_schema(
    noun="contact",
    listed=ContactSerializer,
    detail=ContactSerializer,
    write=form_serializer(ContactForm, "ContactWrite"),
    who_writes=EDITORS,
)
class ContactViewSet(FormRecordViewSet):
    """The callers, in the order they were added: a list of a hundred thousand pages by id, never by a name that
    may change under the cursor."""

    permission_required = record_permissions("cmdb", "contact")
    serializer_class = ContactSerializer
    detail_serializer_class = ContactSerializer
    filterset_class = ContactFilter
    pagination_class = cursor_pages("id")
    form_class = ContactForm

    def get_queryset(self) -> QuerySet:
        return selectors.contact_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.contact_detail()


@record_schema(
    noun="support group",
    listed=SupportGroupSerializer,
    detail=SupportGroupDetailSerializer,
    write=form_serializer(SupportGroupForm, "SupportGroupWrite"),
    who_writes=EDITORS,
)
class SupportGroupViewSet(FormRecordViewSet):
    """The service desk and the second- and third-line groups, by name."""

    permission_required = record_permissions("cmdb", "supportgroup")
    serializer_class = SupportGroupSerializer
    detail_serializer_class = SupportGroupDetailSerializer
    filterset_class = SupportGroupFilter
    pagination_class = cursor_pages("name")
    form_class = SupportGroupForm

    def get_queryset(self) -> QuerySet:
        return selectors.supportgroup_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.supportgroup_detail()


# The form takes the attributes as a JSON object; the generic description would say a string.
ConfigurationItemWrite = type(
    "ConfigurationItemWrite",
    (form_serializer(ConfigurationItemForm, "ConfigurationItemFields"),),
    {"attributes": serializers.DictField(required=False, help_text="Free attributes, as names and values.")},
)

DIRECTION = OpenApiParameter(
    "direction",
    str,
    enum=["incoming", "outgoing"],
    default="incoming",
    description="incoming: what relies on the CI (it is their target); outgoing: what it relies on.",
)


@record_schema(
    noun="configuration item",
    listed=ConfigurationItemSerializer,
    detail=ConfigurationItemDetailSerializer,
    write=ConfigurationItemWrite,
    who_writes=EDITORS,
)
class ConfigurationItemViewSet(FormRecordViewSet):
    """Configuration items by name; each with its relationships and the services its failure affects."""

    permission_required = record_permissions("cmdb", "configurationitem")
    serializer_class = ConfigurationItemSerializer
    detail_serializer_class = ConfigurationItemDetailSerializer
    filterset_class = ConfigurationItemFilter
    pagination_class = cursor_pages("name")
    form_class = ConfigurationItemForm

    def get_queryset(self) -> QuerySet:
        return selectors.ci_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.ci_detail()

    @extend_schema(
        methods=["GET"],
        summary="List a CI's relationships one way",
        parameters=[DIRECTION],
        responses={200: RelationshipSerializer(many=True), **refusals(400, 403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Relate the CI to another",
        description="As on the CI's page: `direction` outgoing reads “this CI <kind> other”. " + EDITORS,
        request=form_serializer(RelationshipForm, "RelationshipWrite"),
        responses={201: RelationshipSerializer, **refusals(400, 403, 404, 415)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_required={"*": "cmdb.view_relationship", "POST": "cmdb.add_relationship"},
        pagination_class=cursor_pages("id"),
        filter_backends=[],
    )
    def relationships(self, request: Request, pk: str) -> Response:
        ci = self.named(ConfigurationItem.objects.all())
        if request.method == "POST":
            return self.relate(request, ci)
        direction = request.query_params.get("direction", "incoming")
        if direction not in ("incoming", "outgoing"):
            return invalid({"direction": [_("Either incoming or outgoing.")]})
        links = selectors.ci_relationships(direction, ci).select_related("source", "target")
        page = self.paginate_queryset(links)
        return self.get_paginated_response(
            RelationshipSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def relate(self, request: Request, ci: ConfigurationItem) -> Response:
        if errors := json_body_errors(RelationshipForm, request):
            return invalid(errors)
        form = bound(RelationshipForm, request, ci=ci)
        if not form.is_valid():
            return refused(form)
        try:
            with transaction.atomic():
                form.relationship.save()
        except IntegrityError:  # the same link added between the form's check and the insert
            return invalid({"non_field_errors": [_("These two configuration items are already related this way.")]})
        link = Relationship.objects.select_related("source", "target").get(pk=form.relationship.pk)
        data = RelationshipSerializer(link, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @extend_schema(
        summary="The services a CI's failure affects",
        description="The active business services built from the CI or from what depends on it (10 levels at "
        "most), the most critical and the nearest first, each with the chain of CIs the failure travels.",
        responses={200: AffectedServiceSerializer(many=True), **refusals(403, 404)},
    )
    @action(detail=True, methods=["get"], url_path="affected-services", pagination_class=None, filter_backends=[])
    def affected_services(self, request: Request, pk: str) -> Response:
        ci = self.named(ConfigurationItem.objects.only("pk"))
        services = impact.affected_services(ci_id=ci.pk)
        return Response(AffectedServiceSerializer(services, many=True, context=self.get_serializer_context()).data)


@record_schema(
    noun="service",
    listed=ServiceSerializer,
    detail=ServiceDetailSerializer,
    write=form_serializer(ServiceForm, "ServiceWrite"),
    who_writes=EDITORS + " `cis` are CI names.",
)
class ServiceViewSet(FormRecordViewSet):
    """Business services by name, with the CIs they are built from."""

    permission_required = record_permissions("cmdb", "service")
    serializer_class = ServiceSerializer
    detail_serializer_class = ServiceDetailSerializer
    filterset_class = ServiceFilter
    pagination_class = cursor_pages("name")
    form_class = ServiceForm

    def get_queryset(self) -> QuerySet:
        return selectors.service_list()

    def get_detail_queryset(self) -> QuerySet:
        # The page draws the tree instead; the API lists the CIs the service is built from directly.
        return selectors.service_detail().prefetch_related(
            Prefetch("cis", queryset=ConfigurationItem.objects.order_by("name"))
        )

    @extend_schema(
        summary="What a service is built from, as a tree",
        description="Its own CIs, each followed by what it depends on, as the service's page shows them.",
        responses={200: ServiceTreeSerializer, **refusals(403, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def tree(self, request: Request, pk: str) -> Response:
        service = self.named(Service.objects.only("pk"))
        walk = impact.service_tree(service_id=service.pk)
        data = ServiceTreeSerializer(
            {"nodes": walk.nodes, "truncated": walk.truncated}, context=self.get_serializer_context()
        ).data
        return Response(data)


@record_schema(
    noun="change",
    listed=PlannedChangeSerializer,
    detail=PlannedChangeDetailSerializer,
    write=form_serializer(ChangeForm, "ChangeWrite"),
    who_writes=EDITORS + " `cis` are CI names.",
)
class ChangeViewSet(FormRecordViewSet):
    """Planned changes by number (CHG0001000), the newest first."""

    permission_required = record_permissions("cmdb", "change")
    serializer_class = PlannedChangeSerializer
    detail_serializer_class = PlannedChangeDetailSerializer
    filterset_class = ChangeFilter
    pagination_class = cursor_pages("-number")
    form_class = ChangeForm
    lookup_field = "number"

    def get_queryset(self) -> QuerySet:
        return selectors.change_list()

    def get_detail_queryset(self) -> QuerySet:
        return selectors.change_detail()


class RelationshipViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ApiViewSet):
    """One relationship, read or removed (as on the CI's page); they are listed and added under their CI."""

    permission_required = {"*": "cmdb.view_relationship", "DELETE": "cmdb.delete_relationship"}
    lookup_value_regex = "[^/]+"
    serializer_class = RelationshipSerializer
    parser_classes = [JSONParser]
    queryset = Relationship.objects.select_related("source", "target")

    @extend_schema(summary="Read a relationship", responses={200: RelationshipSerializer, **refusals(403, 404)})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Remove a relationship", description=EDITORS, responses={204: None, **refusals(403, 404)})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)
