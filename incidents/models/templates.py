"""Incident templates: a frequent call written once (its short description, symptoms to ask about, service,
category, impact and urgency), chosen on the call-logging page to fill the form in (``incidents.canned``;
decision record 0054). Desk-wide; never deleted: retired by clearing ``active``, every saved version kept."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cmdb.models import Service
from incidents.choices import Impact, Urgency
from incidents.models.canned import Revision, Written
from knowledge.models import Category


class IncidentTemplate(Written):
    """What the desk types for a frequent call. The category is not a question of the call: the incident
    recorded from the template proposes it at classification."""

    name = models.CharField(_("name"), max_length=120)
    short_description = models.CharField(_("short description"), max_length=200)
    symptoms = models.TextField(
        _("symptoms"), blank=True, help_text=_("The questions to ask, or what such a caller usually reports.")
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("incident template")
        verbose_name_plural = _("incident templates")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="incidents_template_unique_name",
                violation_error_message=_("Another template already has this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class IncidentTemplateRevision(Revision):
    """One saved version of a template (its creation included), as it read then: the names of its service and
    category too, so that the history still reads after they are renamed."""

    template = models.ForeignKey(IncidentTemplate, on_delete=models.CASCADE, related_name="revisions")
    fields = models.JSONField(_("fields"))

    class Meta(Revision.Meta):
        verbose_name = _("incident template revision")
        verbose_name_plural = _("incident template revisions")

    def __str__(self) -> str:
        return f"{self.fields.get('name', '')} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def impact_label(self) -> str:
        return Impact(self.fields["impact"]).label

    @property
    def urgency_label(self) -> str:
        return Urgency(self.fields["urgency"]).label
