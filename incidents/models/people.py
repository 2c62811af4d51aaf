"""The people an incident keeps informed besides its caller: callers whose calls were added to it, and the
contacts or addresses the desk asked to keep informed. The caller is the incident's own field; the callers
of its subordinates are theirs (``incidents.callers.people`` gathers them all)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident


class PersonReason(models.TextChoices):
    """Why someone is kept informed about an incident."""

    CALL_ADDED = "call_added", _("Their call was added")
    KEPT_INFORMED = "kept_informed", _("Kept informed at the desk's request")


class IncidentPerson(models.Model):
    """Someone kept informed about an incident: a contact of the CMDB, or an address with a name."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="people")
    contact = models.ForeignKey(
        "cmdb.Contact", verbose_name=_("contact"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("For someone who is not a contact of the CMDB."))
    name = models.CharField(_("name"), max_length=200, blank=True)
    reason = models.CharField(_("why"), max_length=20, choices=PersonReason)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("person kept informed")
        verbose_name_plural = _("people kept informed")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                "incident",
                "contact",
                condition=models.Q(contact__isnull=False),
                name="incidents_person_contact_once",
                violation_error_message=_("This contact is already kept informed about the incident."),
            ),
            models.UniqueConstraint(
                "incident",
                Lower("email"),
                condition=models.Q(contact__isnull=True),
                name="incidents_person_address_once",
                violation_error_message=_("This address is already kept informed about the incident."),
            ),
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | ~models.Q(email=""),
                name="incidents_person_reachable",
                violation_error_message=_("Name a contact or an e-mail address."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.contact_id)


class Erasure(models.Model):
    """A contact's personal data erased (GDPR Art. 17): who, when, why and how much; never what."""

    contact = models.ForeignKey("cmdb.Contact", verbose_name=_("contact"), on_delete=models.PROTECT, related_name="+")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("erased by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased"), auto_now_add=True)
    reason = models.CharField(_("why"), max_length=300)
    counts = models.JSONField(_("what was erased"), default=dict)

    class Meta:
        verbose_name = _("erasure of personal data")
        verbose_name_plural = _("erasures of personal data")
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"contact {self.contact_id} erased {self.erased_at:%Y-%m-%d}"
