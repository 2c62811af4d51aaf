"""Which support group an incident is proposed to when the desk escalates it: rules by category, service or CI,
kept by administrators; the CMDB's owner groups when no rule fits."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.choices import SupportTier
from cmdb.models import ConfigurationItem, Service, SupportGroup
from knowledge.models import Category


class AssignmentRule(models.Model):
    """Incidents of this category (or one below it), on this service or this CI go to this group. A rule names
    at least one of the three; when several rules fit an incident, the one naming most of them wins, then the
    one first in the list."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ci = models.ForeignKey(
        ConfigurationItem,
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.ForeignKey(SupportGroup, verbose_name=_("support group"), on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position in the list"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(category__isnull=False) | models.Q(service__isnull=False) | models.Q(ci__isnull=False)
                ),
                name="incidents_assignmentrule_names_something",
                violation_error_message=_("Name a category, a service or a configuration item for the rule."),
            )
        ]

    def __str__(self) -> str:
        when = " · ".join(str(part) for part in (self.category, self.service, self.ci) if part is not None)
        return f"{when} → {self.group}"

    def clean(self) -> None:
        if self.group_id and self.group.tier <= SupportTier.SERVICE_DESK:
            raise ValidationError({"group": _("The service desk keeps its incidents: choose a support group.")})
