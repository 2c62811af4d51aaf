"""Keeping people informed: the desk (or the assigned group) adds a contact of the CMDB or an address to an
incident's people, who are told of it and mailed like its caller from then on, or stops keeping one informed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers import mails
from incidents.callers.people import people_of, person_of_row
from incidents.choices import ActivityKind, State
from incidents.core.gate import ensure_gate_open
from incidents.core.writes import incident_lock, journal_mailed, journal_write
from incidents.models import Activity, IncidentPerson, PersonReason
from incidents.models.rules import may_handle

MAX_NAME = 200


@transaction.atomic
def incident_keep_informed(
    *, by: AbstractBaseUser, incident_id: int, contact: Contact | None = None, email: str = "", name: str = ""
) -> IncidentPerson:
    """Keep ``contact`` (or ``email``, with an optional ``name``) informed about an open incident: journaled,
    and the person is mailed the incident's number with their status-page link.

    Raises ``PermissionDenied`` for anyone but the desk and the assigned group's members, ``ValidationError``
    for a closed incident, neither or both of a contact and an address, an invalid address, or someone the
    incident already keeps informed (its caller included)."""
    incident = incident_lock(incident_id)
    _ensure_may_change(incident, by)
    ensure_gate_open(incident, "keep_informed")
    if incident.state == State.CLOSED:
        raise ValidationError(_("%(number)s is closed: nobody more needs to hear of it.") % {"number": incident.number})
    email, name = email.strip(), " ".join(name.split())
    if (contact is None) == (not email):
        raise ValidationError(_("Pick a contact, or type an e-mail address (one of the two)."), code="who")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": [_("Enter an e-mail address, like ann@example.com.")]}) from None
        if len(name) > MAX_NAME:
            raise ValidationError({"name": [_("Keep the name under %(max)s characters.") % {"max": MAX_NAME}]})
    address = contact.email if contact is not None else email
    for person in people_of(incident):
        if (contact is not None and person.contact_id == contact.pk) or (
            address and person.email.lower() == address.lower()
        ):
            raise ValidationError(
                _("%(name)s is already kept informed about %(number)s.")
                % {"name": person.name, "number": incident.number},
                code="already",
            )

    row = IncidentPerson.objects.create(
        incident=incident, contact=contact, email="" if contact else email, name="" if contact else name,
        reason=PersonReason.KEPT_INFORMED, added_by=by,
    )  # fmt: skip
    person = person_of_row(row)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.PEOPLE_CHANGED,
        text=_("%(name)s is kept informed.") % {"name": person.name},
        data={"added": person.name, "email": person.email},
    )
    if (mailed := mails.person_kept_informed(incident, person=person)) is not None:
        journal_mailed(incident, mailed, by=by)
    return row


@transaction.atomic
def incident_stop_informing(*, by: AbstractBaseUser, incident_id: int, person_id: int) -> Activity:
    """Stop keeping someone informed (never the caller, who is the incident's own): their links stop working,
    the journal keeps who they were. Raises ``PermissionDenied`` as above, ``ValidationError`` for someone who
    is not one of this incident's people."""
    incident = incident_lock(incident_id)
    _ensure_may_change(incident, by)
    ensure_gate_open(incident, "keep_informed")
    row = IncidentPerson.objects.filter(pk=person_id, incident=incident).select_related("contact").first()
    if row is None:
        raise ValidationError(_("This person is not kept informed about %(number)s.") % {"number": incident.number})
    person = person_of_row(row)
    row.delete()
    return journal_write(
        incident,
        by=by,
        kind=ActivityKind.PEOPLE_CHANGED,
        text=_("%(name)s is no longer kept informed.") % {"name": person.name},
        data={"removed": person.name, "email": person.email, "why": row.reason},
    )


def _ensure_may_change(incident: object, by: AbstractBaseUser) -> None:
    if not may_handle(incident, by):
        raise PermissionDenied(
            _("Only the service desk and the assigned group choose who is kept informed about %(number)s.")
            % {"number": incident.number}
        )
