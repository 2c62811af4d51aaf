"""Webhooks: the addresses administrators subscribe to the desk's events, and every delivery to them, kept as the
log of what was sent. A delivery is written in the transaction of the change that caused it, like the outbox's
mail, and sent by ``incidents.webhooks`` (decision record 0027)."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.choices import WebhookEvent

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, in hex."""
    return secrets.token_hex(32)


def address_allowed(address: Address) -> bool:
    """Whether the desk posts to ``address``: a public one, or one in ``WEBHOOK_ALLOWED_NETWORKS``.

    Private, loopback, link-local (a cloud's metadata service), shared, reserved and multicast addresses are
    refused otherwise: the delivery log shows what a target answered, so a webhook must not become a way to read
    the desk's own network.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS):
        return True
    return address.is_global and not address.is_multicast


def validate_webhook_url(url: str) -> None:
    """A webhook's address: https (http too with ``WEBHOOK_ALLOW_HTTP``), no credentials in it, and a host that, when
    written as an address (or ``localhost``), ``address_allowed`` accepts. A name is checked where it matters, on
    every delivery, against each address it resolves to."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)):
        raise ValidationError(_("Use an https:// address."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(
            _("Leave credentials out of the address: the receiver checks the signature instead."), code="credentials"
        )
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_allowed(address):
        raise ValidationError(
            _("%(host)s is in a private or reserved network; the desk posts there only when it is listed in "
              "WEBHOOK_ALLOWED_NETWORKS.") % {"host": parts.hostname},
            code="network",
        )  # fmt: skip


class WebhookSubscription(models.Model):
    """An address an administrator subscribed to some of the desk's events: each is POSTed there as JSON, signed
    with the subscription's secret."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(
        _("address"),
        max_length=500,
        validators=[validate_webhook_url],
        help_text=_("Where the events are POSTed: an https:// address outside the desk's own network."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=100,
        default=new_secret,
        editable=False,
        help_text=_("The receiver checks each delivery's signature with it."),
    )
    events = ArrayField(
        models.CharField(max_length=40, choices=WebhookEvent.choices),
        verbose_name=_("events"),
        help_text=_("What the address is told of."),
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Switched off, it is sent nothing."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")

    @property
    def colour(self) -> str:
        return {"pending": "warn", "sent": "ok", "failed": "bad"}[self.value]


class WebhookDelivery(models.Model):
    """One event for one subscription: the body POSTed, and how its attempts went (the last answer or error, the
    next attempt). Kept as the log of what was sent; a manual redelivery is a new row pointing to this one."""

    uid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # incidents_webhook_log leads with it
    )
    incident = models.ForeignKey(
        "incidents.Incident", verbose_name=_("incident"), on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"), help_text=_("The body POSTed, as JSON."))
    state = models.CharField(
        _("state"), max_length=10, choices=WebhookDeliveryState.choices, default=WebhookDeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    url = models.URLField(_("address tried"), max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True, help_text=_("The start of the last answer."))
    last_error = models.TextField(_("last error"), blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        verbose_name=_("redelivery of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redeliveries",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="incidents_webhook_due",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["subscription", "-created_at"], name="incidents_webhook_log"),
            models.Index(fields=["state", "-created_at"], name="incidents_webhook_state"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.uid}"

    @property
    def state_badge(self) -> str:
        return WebhookDeliveryState(self.state).colour
