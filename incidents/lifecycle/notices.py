"""The two notices a serious (major) incident needs before anything else may happen to it.

"Notify management" mails the managers; "inform the affected users" mails a message, prepared and then
edited by the operator, to the people the incident hurts. Each is journaled with its time and recipients
in the same transaction and written to the outbox (``incidents.mail.outbox``), one message per recipient so that
nobody learns the others' addresses: sent after the commit, retried, and never sent for a rolled-back
notice. Managers also see the notice in the portal (the bell).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers import mails as caller_mails
from incidents.core.gate import ensure_gate_open
from incidents.core.writes import incident_lock, incident_save, journal_mailed
from incidents.mail import staff
from incidents.models import Incident

MAX_RECIPIENTS = 500


def affected_user_recipients(incident: Incident) -> list[str]:
    """Who the incident hurts, as far as the CMDB tells: the caller, the callers of its subordinates, and
    the active contacts working where the incident's CIs and its service's CIs stand."""
    locations = set(incident.cis.exclude(location=None).values_list("location", flat=True))
    if incident.service_id:
        locations |= set(incident.service.cis.exclude(location=None).values_list("location", flat=True))
    contacts = (
        Contact.objects.filter(active=True)
        .exclude(email="")
        .filter(Q(pk=incident.caller_id) | Q(incidents__parent=incident) | Q(workplace__in=locations))
    )
    return sorted(set(contacts.values_list("email", flat=True)))[:MAX_RECIPIENTS]


def prepared_user_message(incident: Incident) -> tuple[str, str]:
    """The subject and text the operator starts from when informing the affected users."""
    subject = _("Disruption: %(summary)s (%(number)s)") % {
        "summary": incident.short_description,
        "number": incident.number,
    }
    service = incident.service.name if incident.service else _("your IT services")
    body = _(
        "Dear colleague,\n\nWe are aware of a disruption affecting %(service)s: %(summary)s.\n"
        "Our teams are working on it with the highest priority. You do not need to report it again; "
        "we will tell you as soon as it is resolved.\n\nReference: %(number)s\n\nThe service desk"
    ) % {"service": service, "summary": incident.short_description, "number": incident.number}
    return subject, body


def _ensure_desk(by: AbstractBaseUser) -> None:
    if not by.has_perm("incidents.change_incident"):
        raise PermissionDenied(_("Only the service desk sends the notices of a serious incident."))


@transaction.atomic
def incident_notify_management(*, by: AbstractBaseUser, incident_id: int) -> Incident:
    """Mail management about a serious incident and journal it. Raises ``ValidationError`` when there
    is nobody to notify (no manager with an e-mail address) or the incident is not serious."""
    _ensure_desk(by)
    incident = incident_lock(incident_id, related=["service", "caller"])
    ensure_gate_open(incident, "notify_management")
    if not incident.serious:
        raise ValidationError(_("Only serious incidents need a management notice."))
    recipients = staff.management_recipients(incident)
    if not recipients:
        raise ValidationError(_("No manager has an e-mail address: add one before notifying management."))
    mailed = staff.management_serious(incident, recipients=recipients, by=by)
    incident.management_notified_at = timezone.now()
    incident_save(incident, ["management_notified_at"])
    journal_mailed(incident, mailed, by=by, versioned=True)
    return incident


@transaction.atomic
def incident_inform_users(*, by: AbstractBaseUser, incident_id: int, subject: str, body: str) -> Incident:
    """Mail the affected users the (edited) message and journal it as a customer-visible update."""
    _ensure_desk(by)
    incident = incident_lock(incident_id, related=["service"])
    ensure_gate_open(incident, "inform_users")
    if not incident.serious:
        raise ValidationError(_("Only serious incidents need this message."))
    errors = {}
    if not subject.strip():
        errors["subject"] = [_("Give the message a subject.")]
    if not body.strip():
        errors["body"] = [_("Write the message to the affected users.")]
    if errors:
        raise ValidationError(errors)
    recipients = affected_user_recipients(incident)
    if not recipients:
        raise ValidationError(_("Nobody affected has an e-mail address; inform them another way and note it."))
    incident.users_informed_at = timezone.now()
    incident_save(incident, ["users_informed_at"])
    mailed = caller_mails.users_informed(incident, recipients=recipients, subject=subject.strip(), body=body.strip())
    journal_mailed(incident, mailed, by=by, versioned=True)
    return incident
