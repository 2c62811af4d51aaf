"""Notifications that are never lost: the outbox, and the staff's in-app notifications.

Every notification is an **outbox message** written in the same transaction as the change that caused
it; a Celery task sends it after commit, a sweep re-queues what a lost task left pending, and a message
is sent at most once (its state is claimed under a row lock). Staff also get a **notification** in the
portal (the bell) for the same events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")

    @property
    def colour(self) -> str:
        return {"pending": "warn", "sent": "ok", "failed": "bad", "bounced": "bad"}[self.value]


class OutboxMessage(models.Model):
    """One e-mail to one recipient, kept until it is sent (or has failed for good, with its error)."""

    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbox",
    )
    kind = models.CharField(_("event"), max_length=40, help_text=_("What happened: resolved, sla_warning, …"))
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=OutboxState, default=OutboxState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    dedupe_key = models.CharField(
        _("key"),
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The same event to the same recipient is written once."),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="incidents_outbox_due",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["state", "-created_at"], name="incidents_outbox_state"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"

    @property
    def state_badge(self) -> str:
        return OutboxState(self.state).colour


class StaffNotification(models.Model):
    """An in-app notification for a member of staff (the bell), about an incident."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_notifications",
    )
    kind = models.CharField(_("event"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="incidents_notifications"),
            models.Index(
                fields=["user"], name="incidents_notifications_unread", condition=models.Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.text
