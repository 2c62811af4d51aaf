"""The signed link to an incident's status page that every mail to one of its people carries: no login, the
signature names the incident and the person (decision record 0019)."""

from __future__ import annotations

import datetime
import enum

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy

from incidents.callers.people import Person, person_with_key
from incidents.models import Incident

STATUS_SALT = "incidents.status"


class StatusRefusal(enum.StrEnum):
    """Why a status link does not open."""

    INVALID = "invalid"
    EXPIRED = "expired"
    NOT_KEPT_INFORMED = "not_kept_informed"

    @property
    def status(self) -> int:
        return 400 if self is StatusRefusal.INVALID else 410


STATUS_REFUSALS = {
    StatusRefusal.INVALID: gettext_lazy(
        "This link is not valid. It may have been cut off when it was copied: open it from the e-mail again."
    ),
    StatusRefusal.EXPIRED: gettext_lazy(
        "This link has expired: open the link in the latest e-mail about your incident, or write to the service desk."
    ),
    StatusRefusal.NOT_KEPT_INFORMED: gettext_lazy(
        "The service desk no longer keeps you informed about this incident. If the fault still affects you, "
        "please write to the service desk."
    ),
}


class StatusLinkRefused(ValidationError):
    """A status link that does not open: ``refusal`` says why, the message says it to the person."""

    def __init__(self, refusal: StatusRefusal) -> None:
        self.refusal = refusal
        super().__init__(STATUS_REFUSALS[refusal], code=refusal.value)


def status_link_token(incident: Incident, person: str) -> str:
    """The signed token of the incident's status page for the person whose key is ``person``."""
    return signing.dumps([incident.pk, person], salt=STATUS_SALT)


def status_link_url(incident: Incident, person: str) -> str:
    """The absolute address (``SITE_URL``) of the incident's status page for one person."""
    return settings.SITE_URL + reverse("incidents:status_page", args=[status_link_token(incident, person)])


def status_link_open(token: str) -> tuple[Incident, Person]:
    """The incident and the person a status link names; ``StatusLinkRefused`` when the link is damaged, older
    than ``INCIDENT_STATUS_LINK_DAYS``, or names someone no longer kept informed."""
    try:
        incident_id, key = signing.loads(token, salt=STATUS_SALT, max_age=status_link_lifetime())
        if not isinstance(key, str) or not key:
            raise ValueError("A status link names a person.")
        incident_id = int(incident_id)
    except signing.SignatureExpired as error:
        raise StatusLinkRefused(StatusRefusal.EXPIRED) from error
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise StatusLinkRefused(StatusRefusal.INVALID) from error
    incident = Incident.objects.defer("search_vector").select_related("caller").filter(pk=incident_id).first()
    if incident is None:
        raise StatusLinkRefused(StatusRefusal.INVALID)
    person = person_with_key(incident, key)
    if person is None:
        raise StatusLinkRefused(StatusRefusal.NOT_KEPT_INFORMED)
    return incident, person


def status_link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INCIDENT_STATUS_LINK_DAYS)
