"""The meaning of an open incident's words, for the similar incidents (decision 0056)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident
from knowledge.models import RealField


class IncidentMeaning(models.Model):
    """The embedding of an incident's short description and symptoms (``knowledge.embeddings``), computed after
    they are written, while the incident is open; ``digest`` is the md5 of the words it was computed from.

    ``writer`` is the transaction that last wrote the row, or that moved its incident in or out of the open states
    (set by triggers): each process reads the rows written since the oldest transaction it could not yet see, and so
    keeps the open incidents' vectors without reading them all again. ``changed_at`` is that moment; a row whose
    incident has been out of the open states for a week is pruned.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, primary_key=True, related_name="meaning", verbose_name=_("incident")
    )
    embedding = ArrayField(RealField(), verbose_name=_("meaning"))
    digest = models.CharField(max_length=32)
    writer = models.BigIntegerField(default=0, editable=False, db_index=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident meaning")
        verbose_name_plural = _("incident meanings")

    def __str__(self) -> str:
        return str(self.incident_id)
