"""What caused an incident, found when it is closed: the desk's own taxonomy of causes, apart from the symptom
categories an incident is classified under."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RootCause(models.Model):
    """A kind of cause (hardware failure, configuration error, caused by a change…), chosen at closure and
    counted by the dashboard and the reports. Administrators keep the list; a cause in use is retired, not
    deleted."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    needs_change = models.BooleanField(
        _("names the change"), default=False, help_text=_("Closing with this cause asks for the change that caused it.")
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
