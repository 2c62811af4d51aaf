"""Choice sets of the knowledge base, with the badge colours the pages show them in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemState(models.TextChoices):
    OPEN = "open", _("Open")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")

    @property
    def colour(self) -> str:
        return {"open": "warn", "known_error": "info", "resolved": "ok", "closed": "muted"}[self.value]


class FixStatus(models.TextChoices):
    """Where the permanent fix of a known error stands; the workaround serves until it is released."""

    NONE = "none", _("No fix planned")
    PLANNED = "planned", _("Fix planned")
    IN_PROGRESS = "in_progress", _("Fix in progress")
    RELEASED = "released", _("Fix released")

    @property
    def colour(self) -> str:
        return {"none": "muted", "planned": "info", "in_progress": "warn", "released": "ok"}[self.value]


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")

    @property
    def colour(self) -> str:
        return {"draft": "muted", "published": "ok"}[self.value]


class ArticleKind(models.TextChoices):
    HOW_TO = "how_to", _("How-to")
    REFERENCE = "reference", _("Reference")
