"""What the API says of the CMDB's records (read-only: every write goes through the page's form)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from cmdb.choices import CIClass, CIStatus, Criticality
from cmdb.impact import AffectedService, CINode
from cmdb.models import Change, ConfigurationItem, Contact, Location, Relationship, Service, SupportGroup


class Ref(serializers.Serializer):
    """A related record: its id and its name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)

    def to_representation(self, record: Model) -> dict[str, Any]:
        return {"id": record.pk, "name": str(record)}


class PersonRef(Ref):
    """A member of staff: the account's id and the person's name."""

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def api_url(serializer: serializers.Field, route: str, key: Any) -> str:
    return reverse(f"api:{route}-detail", args=[key], request=serializer.context.get("request"))


class Linked(serializers.ModelSerializer):
    """A record with where to read it: ``url`` in the API, ``web_url`` its page in the portal."""

    route = ""  # the router's basename of the record's endpoint
    url = serializers.SerializerMethodField(help_text="This record in the API.")
    web_url = serializers.SerializerMethodField(help_text="This record's page in the portal.")

    def get_url(self, record: Model) -> str:
        return api_url(self, self.route, record.pk)

    def get_web_url(self, record: Model) -> str:
        request = self.context.get("request")
        url = record.get_absolute_url()  # type: ignore[attr-defined]
        return request.build_absolute_uri(url) if request else url


LINKS = ["url", "web_url"]
SAVED = ["created_at", "updated_at"]


class LocationSerializer(Linked):
    """A location in a list, with how many callers work and CIs stand there."""

    route = "location"
    parent = Ref(allow_null=True, help_text="The place it is part of.")
    contact_count = serializers.IntegerField(help_text="Callers who work here.")
    ci_count = serializers.IntegerField(help_text="Configuration items that stand here.")

    class Meta:
        model = Location
        fields = ["id", *LINKS, "name", "kind", "parent", "address", "contact_count", "ci_count", *SAVED]
        read_only_fields = fields


class LocationDetailSerializer(Linked):
    """A location whole, with the places that are part of it."""

    route = "location"
    parent = Ref(allow_null=True, help_text="The place it is part of.")
    children = Ref(many=True, help_text="The places that are part of it, by name.")

    class Meta:
        model = Location
        fields = ["id", *LINKS, "name", "kind", "parent", "children", "address", *SAVED]
        read_only_fields = fields


class ContactSerializer(Linked):
    """A caller: how to reach them, where they work."""

    route = "contact"
    full_name = serializers.CharField()
    email = serializers.CharField(help_text="Blank when unknown.")
    workplace = Ref(allow_null=True)
    language = serializers.ChoiceField(
        choices=[("", "The service desk's"), *settings.LANGUAGES],
        help_text="The language of their mails and status page; blank: the service desk's.",
    )

    class Meta:
        model = Contact
        fields = [
            "id", *LINKS, "first_name", "last_name", "full_name", "email", "phone", "mobile", "workplace",
            "department", "language", "vip", "active", *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class SupportGroupSerializer(Linked):
    """A support group in a list, with how many members and CIs it has."""

    route = "support-group"
    manager = PersonRef(allow_null=True)
    email = serializers.CharField(help_text="The group's shared mailbox for notices (blank: none).")
    member_count = serializers.IntegerField()
    ci_count = serializers.IntegerField(help_text="Configuration items the group owns.")

    class Meta:
        model = SupportGroup
        fields = [
            "id", *LINKS, "name", "tier", "email", "description", "manager", "active", "member_count", "ci_count",
            *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class SupportGroupDetailSerializer(Linked):
    """A support group whole, with its members and the services it owns."""

    route = "support-group"
    manager = PersonRef(allow_null=True)
    email = serializers.CharField(help_text="The group's shared mailbox for notices (blank: none).")
    members = serializers.SerializerMethodField(help_text="By name.")
    services = serializers.SerializerMethodField(help_text="The business services the group owns, by name.")

    class Meta:
        model = SupportGroup
        fields = ["id", *LINKS, "name", "tier", "email", "description", "manager", "members", "services", "active",
                  *SAVED]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PersonRef(many=True))
    def get_members(self, group: SupportGroup) -> list[dict[str, Any]]:
        people = sorted(group.members.all(), key=lambda user: (user.get_full_name().lower(), user.pk))
        return PersonRef(people, many=True).data

    @extend_schema_field(Ref(many=True))
    def get_services(self, group: SupportGroup) -> list[dict[str, Any]]:
        return Ref(sorted(group.services.all(), key=lambda service: (service.name, service.pk)), many=True).data


class ConfigurationItemSerializer(Linked):
    """A configuration item in a list."""

    route = "config-item"
    location = Ref(allow_null=True)
    owner_group = Ref(allow_null=True)
    attributes = serializers.DictField(help_text="Free attributes, as names and values.")

    class Meta:
        model = ConfigurationItem
        fields = [
            "id", *LINKS, "name", "ci_class", "status", "serial_number", "asset_tag", "location", "owner_group",
            "attributes", "description", *SAVED,
        ]  # fmt: skip
        read_only_fields = fields


class RelationshipSerializer(serializers.ModelSerializer):
    """A link read "source kind target": when the target fails, the source is affected."""

    url = serializers.SerializerMethodField(help_text="This relationship in the API (to remove it).")
    source = Ref()
    target = Ref()

    class Meta:
        model = Relationship
        fields = ["id", "url", "source", "kind", "target", "created_at"]
        read_only_fields = fields

    def get_url(self, link: Relationship) -> str:
        return api_url(self, "relationship", link.pk)


class ConfigurationItemDetailSerializer(ConfigurationItemSerializer):
    """A configuration item whole, with its first relationships each way."""

    outgoing_count = serializers.IntegerField(help_text="How many CIs it relies on directly.")
    incoming_count = serializers.IntegerField(help_text="How many CIs rely on it directly.")
    outgoing = RelationshipSerializer(
        many=True, source="outgoing_shown", help_text="The first 50 of what it relies on (it is their source)."
    )
    incoming = RelationshipSerializer(
        many=True, source="incoming_shown", help_text="The first 50 of what relies on it (it is their target)."
    )

    class Meta(ConfigurationItemSerializer.Meta):
        fields = [*ConfigurationItemSerializer.Meta.fields, "outgoing_count", "incoming_count", "outgoing", "incoming"]
        read_only_fields = fields


class ServiceSerializer(Linked):
    """A business service in a list."""

    route = "service"
    owner_group = Ref(allow_null=True)
    ci_count = serializers.IntegerField(help_text="How many CIs it is built from directly.")

    class Meta:
        model = Service
        fields = ["id", *LINKS, "name", "description", "criticality", "owner_group", "active", "ci_count", *SAVED]
        read_only_fields = fields


class ServiceDetailSerializer(Linked):
    """A business service whole, with the CIs it is built from directly."""

    route = "service"
    owner_group = Ref(allow_null=True)
    cis = Ref(many=True, help_text="The CIs it is built from directly, by name.")

    class Meta:
        model = Service
        fields = ["id", *LINKS, "name", "description", "criticality", "owner_group", "active", "cis", *SAVED]
        read_only_fields = fields


class PlannedChangeSerializer(Linked):
    """A planned change in a list."""

    route = "change"
    ci_count = serializers.IntegerField(help_text="How many CIs it touches.")

    class Meta:
        model = Change
        fields = [
            "number", *LINKS, "title", "description", "state", "planned_start", "planned_end", "implemented_at",
            "ci_count", *SAVED,
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, change: Change) -> str:
        return api_url(self, self.route, change.number)


class PlannedChangeDetailSerializer(PlannedChangeSerializer):
    """A planned change whole, with the CIs it touches."""

    cis = Ref(many=True, help_text="The CIs it touches, by name.")

    class Meta(PlannedChangeSerializer.Meta):
        fields = [field for field in PlannedChangeSerializer.Meta.fields if field != "ci_count"]
        fields.insert(fields.index("created_at"), "cis")
        read_only_fields = fields


class CINodeSerializer(serializers.Serializer):
    """A CI reached in a walk of the CMDB, ``depth`` relationships from where the walk began."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField()
    ci_class = serializers.ChoiceField(choices=CIClass.choices)
    status = serializers.ChoiceField(choices=CIStatus.choices)
    depth = serializers.IntegerField()

    def get_url(self, node: CINode) -> str:
        return api_url(self, "config-item", node.id)


class TreeNodeSerializer(CINodeSerializer):
    """A CI in a service's tree, under the CI it was reached from."""

    parent_id = serializers.IntegerField(
        allow_null=True, help_text="The CI one level up it was reached from (null for the service's own CIs)."
    )


class ServiceTreeSerializer(serializers.Serializer):
    """What a service is built from, as a tree: each CI followed by what it depends on (``depth`` deeper)."""

    nodes = TreeNodeSerializer(many=True)
    truncated = serializers.BooleanField(help_text="There were more CIs than shown (at most 500, 6 levels down).")


class AffectedServiceSerializer(serializers.Serializer):
    """A business service that fails with the CI, and the chain of CIs through which the failure reaches it."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField()
    criticality = serializers.ChoiceField(choices=Criticality.choices)
    depth = serializers.IntegerField(
        help_text="Relationships between the CI and the nearest CI the service is built from."
    )
    path = CINodeSerializer(many=True, help_text="From the failing CI to the CI the service is built from.")

    def get_url(self, service: AffectedService) -> str:
        return api_url(self, "service", service.id)
