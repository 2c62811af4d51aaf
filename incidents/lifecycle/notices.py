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
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers import mails as caller_mails
from incidents.callers.people import people_of, reachable
from incidents.core.gate import ensure_gate_open
from incidents.core.writes import incident_lock, incident_save, journal_mailed
from incidents.mail import staff
from incidents.mail.messages import subject_for
from incidents.models import Incident

MAX_RECIPIENTS = 500


def affected_user_recipients(incident: Incident) -> list[str]:
    """Who the incident hurts, as far as the desk and the CMDB tell: its people (the caller, added callers,
    those kept informed, and the people of its subordinates), then the active contacts working where the
    incident's CIs and its service's CIs stand; each address once, at most ``MAX_RECIPIENTS``."""
    people = [person.email for person in reachable(people_of(incident, with_subordinates=True))]
    locations = set(incident.cis.exclude(location=None).values_list("location", flat=True))
    if incident.service_id:
        locations |= set(incident.service.cis.exclude(location=None).values_list("location", flat=True))
    nearby = (
        Contact.objects.filter(active=True, workplace__in=locations).exclude(email="").values_list("email", flat=True)
        if locations
        else []
    )
    found = {address.lower(): address for address in sorted(nearby)}
    for address in reversed(people):  # the people first, in their order
        found.pop(address.lower(), None)
    return [*people, *found.values()][:MAX_RECIPIENTS]


def prepared_user_message(incident: Incident) -> tuple[str, str]:
    """The subject and text the operator starts from when informing the affected users."""
    subject = subject_for(incident, _("Disruption"))
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
def incident_inform_users(
    *, by: AbstractBaseUser, incident_id: int, subject: str, body: str, distribution_list: str = ""
) -> Incident:
    """Mail the affected users the (edited) message and journal it as a customer-visible update: to each of
    them, or only to ``distribution_list`` (an address that reaches them all). The subject always carries the
    incident's number, so that replies find their way back."""
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
    distribution_list = distribution_list.strip()
    if distribution_list:
        try:
            validate_email(distribution_list)
        except ValidationError:
            errors["distribution_list"] = [_("Enter the distribution list's e-mail address, like staff@example.com.")]
    if errors:
        raise ValidationError(errors)
    recipients = [distribution_list] if distribution_list else affected_user_recipients(incident)
    if not recipients:
        raise ValidationError(_("Nobody affected has an e-mail address; inform them another way and note it."))
    subject = " ".join(subject.split())
    if f"[{incident.number}]" not in subject:
        subject = f"[{incident.number}] {subject}"
    incident.users_informed_at = timezone.now()
    incident_save(incident, ["users_informed_at"])
    mailed = caller_mails.users_informed(incident, recipients=recipients, subject=subject, body=body.strip())
    journal_mailed(incident, mailed, by=by, versioned=True)
    return incident
