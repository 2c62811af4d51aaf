"""The journal of an incident (append-only) and the files attached to its entries."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.choices import (
    ActivityKind,
    Visibility,
)
from incidents.models.incident import Incident
from servicedesk.labels import ChoiceLabels


class Activity(ChoiceLabels, models.Model):
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
    incident_version = models.PositiveIntegerField(
        _("incident version"),
        null=True,
        blank=True,
        help_text=_("The incident's version after the change this entry records (lifecycle steps)."),
    )

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


def attachment_path(attachment: Attachment, filename: str) -> str:
    """Where a file is kept: by incident and a random folder, so that names never collide or are guessed."""
    return f"incidents/{attachment.activity.incident_id}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    """A file (screenshot, log) attached to a journal entry; like the journal, never changed or deleted.

    Stored through Django's storage API (``var/media/`` by default) and served only to signed-in staff
    (``incidents.views.attachments``), never straight from the storage's URL.
    """

    activity = models.ForeignKey(
        Activity, verbose_name=_("journal entry"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
