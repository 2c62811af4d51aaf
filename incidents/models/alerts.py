"""Alerts from monitoring in the desk's intake: one row per fingerprint while it is open, however often the alert
fires, until an operator records it as an incident or dismisses it with a reason (decision record 0029)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident


class AlertSource(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    GENERIC = "generic", _("Monitoring (generic form)")


class AlertState(models.TextChoices):
    """What the desk made of an alert. Only ``intake`` waits for someone."""

    INTAKE = "intake", _("Waiting for the desk")
    RECORDED = "recorded", _("Recorded as an incident")
    DISMISSED = "dismissed", _("Dismissed")

    @property
    def colour(self) -> str:
        return {"intake": "warn", "recorded": "ok"}.get(self.value, "muted")


class AlertDismissal(models.TextChoices):
    """Why an alert is not an incident."""

    CLEARED = "cleared", _("Cleared by itself, nothing to do")
    PLANNED = "planned", _("Planned work or a change")
    KNOWN = "known", _("Already in an open incident")
    NOISE = "noise", _("Noise or a false alarm")
    OTHER = "other", _("Other")


class Alert(models.Model):
    """An alert as monitoring reported it: the latest of its firings (their number, the first and the last),
    whether monitoring says it is resolved, the configuration item it names, and what the desk decided."""

    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    source = models.CharField(_("source"), max_length=20, choices=AlertSource)
    state = models.CharField(_("state"), max_length=10, choices=AlertState, default=AlertState.INTAKE)
    title = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(_("severity"), max_length=40, blank=True)
    ci_name = models.CharField(
        _("CI named"), max_length=200, blank=True, help_text=_("The configuration item's name as monitoring sent it.")
    )
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem",
        verbose_name=_("configuration item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=2000, blank=True, help_text=_("Where monitoring shows the alert."))
    firings = models.PositiveIntegerField(_("firings"), default=1)
    first_fired_at = models.DateTimeField(_("first fired"))
    last_fired_at = models.DateTimeField(_("last fired"))
    resolved_at = models.DateTimeField(
        _("resolved"), null=True, blank=True, help_text=_("When monitoring reported it resolved; empty while firing.")
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    reported_at = models.DateTimeField(_("last reported"))
    payload = models.JSONField(_("last payload"), default=dict, blank=True)
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    dismissal = models.CharField(_("dismissed because"), max_length=20, choices=AlertDismissal, blank=True)
    reason = models.TextField(
        _("why"), blank=True, help_text=_("The desk's note on a dismissal, or why it was not recorded automatically.")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_fired_at", "-id"]
        constraints = [
            # Two reports of a new alert at once must not make two waiting rows (the service also locks).
            models.UniqueConstraint(
                fields=["fingerprint"], condition=models.Q(state="intake"), name="incidents_alert_one_waiting"
            ),
        ]
        indexes = [
            models.Index(fields=["fingerprint", "-id"], name="incidents_alert_fingerprint"),
            models.Index(fields=["last_fired_at"], name="incidents_alert_intake", condition=models.Q(state="intake")),
            models.Index(fields=["state", "-decided_at"], name="incidents_alert_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.ci_name or '—'}: {self.title}"

    @property
    def state_badge(self) -> str:
        return AlertState(self.state).colour
