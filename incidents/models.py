"""Incidents and their journal.

An **incident** is an unplanned interruption or degradation of an IT service, reported by a caller to the
service desk, which owns it from the first call until the caller confirms the fix and it is closed. Its
state moves only through the lifecycle (``incidents.lifecycle``); the state field is protected and every
change is a row of the **journal** (``Activity``), which is append-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from cmdb.models import ConfigurationItem, Contact, Location, Service, SupportGroup
from incidents.choices import OPEN_STATES, ActivityKind, Channel, Impact, Priority, State, Urgency, Visibility
from knowledge.models import SEARCH_CONFIG
from servicedesk.numbers import SequenceNumber

INCIDENT_NUMBER_SEQUENCE = "incidents_incident_number_seq"
OPEN = models.Q(state__in=OPEN_STATES)


class NextIncidentNumber(SequenceNumber):
    def __init__(self) -> None:
        super().__init__("INC", INCIDENT_NUMBER_SEQUENCE)


class PriorityRule(models.Model):
    """One cell of the desk's priority matrix: incidents of this impact and urgency get this priority."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["impact", "urgency"],
                name="incidents_priorityrule_unique",
                violation_error_message=_("This impact and urgency already have a priority."),
            )
        ]

    def __str__(self) -> str:
        return _("%(impact)s impact, %(urgency)s urgency: %(priority)s") % {
            "impact": self.get_impact_display(),
            "urgency": self.get_urgency_display(),
            "priority": self.get_priority_display(),
        }


class Incident(ConcurrentTransitionMixin, models.Model):
    """An incident as the service desk records it from a call (see the module docstring)."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False, db_default=NextIncidentNumber())
    state = FSMField(_("state"), max_length=20, choices=State, default=State.RECORDED, protected=True)
    caller = models.ForeignKey(Contact, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="incidents")
    channel = models.CharField(_("reported by"), max_length=20, choices=Channel, default=Channel.PHONE)
    occurred_at = models.DateTimeField(_("occurred"))
    reported_at = models.DateTimeField(_("reported"))
    short_description = models.CharField(_("short description"), max_length=200)
    symptoms = models.TextField(_("symptoms"), blank=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    cis = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="incidents"
    )
    affected_users = models.PositiveIntegerField(_("affected users"), default=1)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority, default=Priority.LOW, editable=False)
    serious = models.BooleanField(_("serious"), default=False, help_text=_("A major incident: management is told."))
    desk_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("desk owner"),
        on_delete=models.PROTECT,
        related_name="owned_incidents",
    )
    assigned_group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("assigned group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("master incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
    )
    management_notified_at = models.DateTimeField(_("management notified"), null=True, blank=True, editable=False)
    users_informed_at = models.DateTimeField(_("affected users informed"), null=True, blank=True, editable=False)
    logging_seconds = models.PositiveIntegerField(_("time to log the call (s)"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("short_description", weight="A", config=SEARCH_CONFIG)
            + SearchVector("symptoms", weight="B", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="incidents_search"),
            models.Index(fields=["state", "-reported_at"], name="incidents_state_reported"),
            models.Index(fields=["priority", "-reported_at"], name="incidents_priority_reported"),
            models.Index(fields=["service", "-reported_at"], name="incidents_service_reported"),
            models.Index(fields=["caller", "-reported_at"], name="incidents_caller_reported"),
            models.Index(fields=["-reported_at", "-id"], name="incidents_reported"),
            # The similar-incident lookup looks at open incidents only: small partial indexes keep it
            # under 100 ms at a million incidents (bench/incidents_similar.py).
            GinIndex(fields=["search_vector"], name="incidents_open_search", condition=models.Q(state__in=OPEN_STATES)),
            models.Index(
                fields=["service", "-reported_at"],
                name="incidents_open_service",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            models.Index(
                fields=["caller", "-reported_at"],
                name="incidents_open_caller",
                condition=models.Q(state__in=OPEN_STATES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occurred_at__lte=models.F("reported_at")),
                name="incidents_occurred_before_reported",
                violation_error_message=_("An incident cannot occur after it was reported."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="incidents_not_its_own_parent",
                violation_error_message=_("An incident cannot be its own master incident."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.short_description}" if self.number else self.short_description

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident_detail", args=[self.number])

    @property
    def priority_badge(self) -> str:
        return Priority(self.priority).colour

    @property
    def state_badge(self) -> str:
        return State(self.state).colour

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def serious_notices_pending(self) -> bool:
        """A serious incident whose management notice or user information has not gone out yet."""
        return self.serious and (self.management_notified_at is None or self.users_informed_at is None)


class Activity(models.Model):
    """A journal entry: every change to an incident, every call, note, update and notification.

    Append-only: an entry is never changed or deleted, so the journal is the incident's history.
    """

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="journal")
    kind = models.CharField(_("kind"), max_length=30, choices=ActivityKind)
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility, default=Visibility.INTERNAL)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), default=0)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="incidents_activity_timeline")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An integrity rule, not a business effect: history is never rewritten.
        if self.pk is not None:
            raise ValidationError(_("A journal entry cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("A journal entry cannot be deleted."))
