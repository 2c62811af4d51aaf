"""The audit history of an incident, written by database triggers and never by the application (decision
record 0004)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident


class IncidentHistory(models.Model):
    """The audit of an incident: one row per change to its record, however the change was made.

    Written by PostgreSQL triggers on ``incidents_incident`` and its configuration-item links (migration
    ``0008_incident_history``), never from Python: a service, the admin, a Celery task, a
    ``QuerySet.update`` or raw SQL all leave a row, and the table refuses every other insert, update and
    delete. The journal (``Activity``) stays the timeline people read; this is the record that cannot be
    bypassed. ``incidents.journal.history`` reads it.
    """

    class Operation(models.TextChoices):
        INSERT = "insert", _("created")
        UPDATE = "update", _("changed")

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="history", db_index=False
    )
    changed_at = models.DateTimeField(_("changed"), editable=False)
    operation = models.CharField(_("operation"), max_length=10, choices=Operation, editable=False)
    # No database constraint: the id comes from a setting the application gives the transaction, and a bad
    # one must not make the write it describes fail; nor does the audit stop a user from being deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        editable=False,
    )
    context = models.TextField(_("context"), blank=True, editable=False)
    changes = models.JSONField(_("changes"), default=dict, editable=False)

    class Meta:
        verbose_name = _("incident history entry")
        verbose_name_plural = _("incident history")
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["incident", "changed_at", "id"], name="incidents_history_timeline")]
        default_permissions = ["view"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.get_operation_display()} {self.changed_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The triggers write the history; the table refuses any other write, so fail here with a clear message.
        raise ValidationError(_("The incident history is written by the database and cannot be changed."))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("The incident history is written by the database and cannot be changed."))
