"""How an incident's priority is set: the desk's matrix, and the re-evaluations a group asks of the desk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.choices import (
    Impact,
    Priority,
    ReevaluationOutcome,
    Urgency,
)
from incidents.models.incident import Incident


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


class Reevaluation(models.Model):
    """A support group's request that the desk re-evaluate an incident's impact and urgency, and its answer.

    The group proposes values with a reason; the desk accepts (with the values it settles on) or declines
    with a note. Both halves are journaled (``incidents.lifecycle``); at most one request per incident
    waits at a time.
    """

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="reevaluations"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    proposed_impact = models.PositiveSmallIntegerField(_("proposed impact"), choices=Impact)
    proposed_urgency = models.PositiveSmallIntegerField(_("proposed urgency"), choices=Urgency)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReevaluationOutcome, default=ReevaluationOutcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("re-evaluation request")
        verbose_name_plural = _("re-evaluation requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=models.Q(outcome="pending"),
                name="incidents_one_pending_reevaluation",
                violation_error_message=_("A re-evaluation of this incident is already waiting for the desk."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_outcome_display()}"
