"""Saved filters: a named query of a list (the queue), kept by a user and shared with one of their groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import SupportGroup


class SavedFilter(models.Model):
    """A django-filter query string under a name, for one list; private, or shared with a support group."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_filters"
    )
    page = models.CharField(_("list"), max_length=30, default="queue")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000)
    shared_with = models.ForeignKey(
        SupportGroup,
        verbose_name=_("shared with"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"],
                name="incidents_savedfilter_unique_name",
                violation_error_message=_("You already have a filter of that name."),
            )
        ]

    def __str__(self) -> str:
        return self.name
