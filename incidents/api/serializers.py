"""What the API says of an incident, its journal and its clock (read-only: every write goes through a form and
a service, as on the pages)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from incidents.choices import ClosureReason, ResolutionCode
from incidents.core.values import person_name
from incidents.journal.timeline import TimelineEntry
from incidents.models import Incident


class Named(serializers.Serializer):
    """A related record: its id and what people call it."""

    id = serializers.IntegerField()
    name = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        name = person_name(instance) if hasattr(instance, "get_full_name") else str(instance)
        return {"id": instance.pk, "name": name}


class CallerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")
    email = serializers.EmailField()


class IncidentSerializer(serializers.ModelSerializer):
    """An incident in a list: what the list page shows of it, and where to read more."""

    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    caller = CallerSerializer()
    service = Named(allow_null=True)
    assigned_group = Named(allow_null=True)
    assignee = Named(allow_null=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "number", "url", "web_url", "short_description", "state", "priority", "impact", "urgency", "serious",
            "caller", "service", "assigned_group", "assignee", "parent", "channel", "reported_at", "occurred_at",
            "acknowledged_at", "resolved_at", "closed_at", "response_due_at", "resolution_due_at", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, incident: Incident) -> str:
        return reverse("api:incident-detail", args=[incident.number], request=self.context.get("request"))

    def get_web_url(self, incident: Incident) -> str:
        request = self.context.get("request")
        url = incident.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField(help_text="The file on the portal, for the signed-in.")
    api_url = serializers.CharField(help_text="The file through the API, for a token.")


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="label")
    old = serializers.CharField()
    new = serializers.CharField()


class JournalEntrySerializer(serializers.Serializer):
    """A journal entry as the timeline shows it (``incidents.journal.timeline``), staff's view."""

    id = serializers.IntegerField(source="entry.id")
    kind = serializers.CharField(source="entry.kind")
    kind_label = serializers.CharField(read_only=True)
    visibility = serializers.CharField(source="entry.visibility")
    created_at = serializers.DateTimeField(source="entry.created_at")
    author = serializers.CharField()
    how = serializers.CharField(help_text="How it came when not through the pages: by mail, through an API token.")
    text = serializers.CharField(source="entry.text")
    minutes_spent = serializers.IntegerField(source="entry.minutes_spent")
    changes = ChangeSerializer(many=True)
    recipients = serializers.ListField(child=serializers.CharField())
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, item: TimelineEntry) -> list[dict[str, Any]]:
        request = self.context.get("request")
        return [
            {
                "id": attachment.pk,
                "name": attachment.name,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "url": request.build_absolute_uri(url) if request else url,
                "api_url": reverse(
                    "api:incident-attachment", args=[item.entry.incident.number, attachment.pk], request=request
                ),
            }
            for attachment, url in item.attachments
        ]


class ClockSerializer(serializers.Serializer):
    """The service-level clock: when a response and a resolution are due, whether they were in time, and whether
    it is paused while the desk waits on the caller."""

    service_level = serializers.CharField(source="service_level.name", allow_null=True, default=None)
    response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    response_met = serializers.BooleanField(allow_null=True)
    resolution_met = serializers.BooleanField(allow_null=True)
    awaiting_caller_since = serializers.DateTimeField(allow_null=True)
    awaiting_caller_reason = serializers.CharField()


class IncidentDetailSerializer(IncidentSerializer):
    """An incident whole: its details, subordinates, clock, journal and the steps the caller of the API may take."""

    symptoms = serializers.CharField()
    cis = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    location = Named(allow_null=True)
    desk_owner = Named(allow_null=True)
    category = Named(allow_null=True)
    known_error = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    # Blank until the incident is resolved or closed early: the schema says "" is a value too.
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, allow_blank=True, read_only=True)
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices, allow_blank=True, read_only=True)
    change = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    problem = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    subordinates = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    clock = ClockSerializer(source="*")
    minutes_spent_total = serializers.IntegerField()
    steps = serializers.SerializerMethodField(help_text="The lifecycle steps you may take now.")
    journal = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields, "symptoms", "cis", "location", "affected_users", "desk_owner", "category",
            "workaround", "known_error", "resolution_code", "resolution_notes", "change", "problem",
            "closure_reason", "satisfaction", "subordinates", "clock", "minutes_spent_total", "steps", "journal",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_steps(self, incident: Incident) -> list[str]:
        return [step.replace("_", "-") for step in self.context.get("steps", [])]

    @extend_schema_field(JournalEntrySerializer(many=True))
    def get_journal(self, incident: Incident) -> list[dict[str, Any]]:
        return JournalEntrySerializer(self.context.get("timeline", []), many=True, context=self.context).data
