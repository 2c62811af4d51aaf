"""Mail that reached the desk: every message is kept raw with what became of it (a reply in an incident's
journal, a new call waiting in the desk's intake inbox, an automatic reply left alone, a bounce, or a
message an administrator must look at, with the reason)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident
from incidents.models.journal import Activity
from incidents.models.outbox import OutboxMessage


class InboundSource(models.TextChoices):
    MAILDIR = "maildir", _("Maildir")
    IMAP = "imap", _("IMAP mailbox")
    PIPE = "pipe", _("Mail server pipe")


class InboundState(models.TextChoices):
    """What became of a message. Only ``intake`` waits for someone."""

    REPLY = "reply", _("Reply in an incident's journal")
    INTAKE = "intake", _("In the intake inbox")
    RECORDED = "recorded", _("Recorded as an incident")
    ADDED = "added", _("Added to an incident as a call")
    DISMISSED = "dismissed", _("Not an incident")
    AUTOMATIC = "automatic", _("Automatic reply or bulk mail, left alone")
    BOUNCE = "bounce", _("Bounce of the desk's mail")
    REFUSED = "refused", _("Refused, kept for an administrator")

    @property
    def colour(self) -> str:
        return {"intake": "warn", "refused": "bad", "bounce": "bad"}.get(self.value, "info")


class Dismissal(models.TextChoices):
    """Why a mail in the intake inbox is not an incident."""

    SPAM = "spam", _("Spam or phishing")
    THANKS = "thanks", _("Thanks or a reply needing nothing")
    OUT_OF_OFFICE = "out_of_office", _("Out of office or another automatic mail")
    NOT_FOR_US = "not_for_us", _("Not for the service desk")
    OTHER = "other", _("Other")


class InboundMail(models.Model):
    """One message received, taken exactly once (by its source's id and by its ``Message-ID``)."""

    source = models.CharField(_("source"), max_length=10, choices=InboundSource)
    source_id = models.CharField(_("id in the source"), max_length=300)
    message_id = models.CharField(_("Message-ID"), max_length=500, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    raw = models.BinaryField(_("original message"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    sender = models.CharField(_("from"), max_length=320, blank=True, help_text=_("The sender's address."))
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True, help_text=_("The message as text (HTML converted)."))
    reply = models.TextField(_("reply"), blank=True, help_text=_("The new text: quoted history and signature cut."))
    state = models.CharField(_("what became of it"), max_length=10, choices=InboundState)
    reason = models.TextField(_("why"), blank=True)
    contact = models.ForeignKey(
        "cmdb.Contact", verbose_name=_("sender"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_mail",
        help_text=_("The incident it went to: replied to, recorded as, or added to."),
    )
    regarding = models.ForeignKey(
        Incident,
        verbose_name=_("about the incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a mail in the intake inbox: the incident it answers (closed, or not the sender's)."),
    )
    entry = models.ForeignKey(
        Activity, verbose_name=_("journal entry"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("answers the mail"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
        help_text=_("The desk's mail this one replies to, or bounced."),
    )
    dismissal = models.CharField(_("not an incident because"), max_length=20, choices=Dismissal, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mail")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint("source", "source_id", name="incidents_inbound_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["received_at"], name="incidents_inbound_intake", condition=models.Q(state="intake")),
            models.Index(fields=["state", "-received_at"], name="incidents_inbound_state"),
            models.Index(fields=["sender", "-received_at"], name="incidents_inbound_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"

    @property
    def state_badge(self) -> str:
        return InboundState(self.state).colour
