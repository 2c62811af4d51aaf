"""Canned replies: a text the desk and the support groups send often, with placeholders filled for the incident
at hand (``incidents.canned``; decision record 0049). Desk-wide without a group, the group's own with one. Never
deleted: retired by clearing ``active``, and every saved version kept as a revision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cmdb.models import SupportGroup


class Written(models.Model):
    """Who wrote a desk's text (a canned reply, an incident template) and who last changed it, and when: the
    writes keep every version besides (``incidents.canned``)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        abstract = True


class Revision(models.Model):
    """One saved version of a desk's text (its creation included): who saved it and when, newest first."""

    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]


class CannedReply(Written):
    """A reply under a title, for the customer-update and resolution boxes of any incident (no group) or of the
    group's members and its incidents."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    group = models.ForeignKey(
        SupportGroup,
        verbose_name=_("support group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="canned_replies",
        help_text=_("Empty: the whole desk uses it."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["group", "active", "title"], name="incidents_canned_group_title")]

    def __str__(self) -> str:
        return self.title


class CannedReplyRevision(Revision):
    """One saved version of a reply (its creation included): who changed what, kept when the reply changes."""

    reply = models.ForeignKey(CannedReply, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"))

    class Meta(Revision.Meta):
        verbose_name = _("canned reply revision")
        verbose_name_plural = _("canned reply revisions")

    def __str__(self) -> str:
        return f"{self.title} ({self.at:%Y-%m-%d %H:%M})"
