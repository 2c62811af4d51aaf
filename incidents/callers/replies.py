"""The caller's answer while an incident waits on them: a signed link in the "awaiting your answer" mail.

Callers have no login. The mail that asks them carries a link signed with ``SECRET_KEY`` that names the
incident and the wait it is about (``awaiting_caller_since``); the page behind it takes their answer,
journals it (visible to the caller, no author) and resumes the service-level clock
(``lifecycle.incident_resume`` through the caller). A link about an earlier wait, or used once already,
or older than ``INCIDENT_CONFIRMATION_DAYS``, is refused and changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.callers.confirmation import link_lifetime
from incidents.choices import ActivityKind, Visibility
from incidents.lifecycle import steps
from incidents.models import Activity, Incident

SALT = "incidents.caller_reply"


@dataclass(frozen=True)
class ReplyLink:
    incident_id: int
    since: datetime.datetime


class ReplyRefused(ValidationError):
    """The link cannot be answered: damaged, expired, or the wait it is about is over."""


def reply_url(incident: Incident) -> str:
    token = signing.dumps([incident.pk, incident.awaiting_caller_since.isoformat()], salt=SALT)
    return f"{settings.SITE_URL}{reverse('incidents:caller_reply', args=[token])}"


def reply_read(token: str) -> ReplyLink:
    """The link's incident and wait. Raises ``ReplyRefused`` (damaged or expired)."""
    try:
        incident_id, since = signing.loads(token, salt=SALT, max_age=link_lifetime())
        return ReplyLink(int(incident_id), datetime.datetime.fromisoformat(since))
    except signing.SignatureExpired as error:
        raise ReplyRefused(_("This link has expired. Please write to the service desk instead.")) from error
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise ReplyRefused(_("This link is damaged: copy the whole address from the mail, or write to us.")) from error


def reply_answerable(token: str) -> tuple[ReplyLink, Incident]:
    """The link and its incident, when the link can still be answered. Raises ``ReplyRefused`` with why not."""
    link = reply_read(token)
    incident = Incident.objects.defer("search_vector").filter(pk=link.incident_id).first()
    if incident is None:
        raise ReplyRefused(_("This incident is not known any more. Please write to the service desk."))
    refusal = reply_refusal(incident, link)
    if refusal:
        raise ReplyRefused(refusal)
    return link, incident


def reply_refusal(incident: Incident, link: ReplyLink) -> str | None:
    """Why the wait this link is about cannot be answered any more, or ``None``."""
    if incident.awaiting_caller_since != link.since:
        return _("Thank you: %(number)s no longer waits for this answer.") % {"number": incident.number}
    return None


@transaction.atomic
def incident_caller_reply(*, link: ReplyLink, text: str) -> Incident:
    """Journal the caller's answer and resume the clock. Raises ``ValidationError`` without an answer,
    ``ReplyRefused`` when the wait is over (answered, resumed by the desk, closed)."""
    incident = Incident.objects.select_for_update(of=("self",)).defer("search_vector").get(pk=link.incident_id)
    refusal = reply_refusal(incident, link)
    if refusal:
        raise ReplyRefused(refusal)
    if not text.strip():
        raise ValidationError({"answer": [_("Write your answer.")]})
    Activity.objects.create(
        incident=incident,
        kind=ActivityKind.CALLER_REPLIED,
        visibility=Visibility.CUSTOMER,
        author=None,
        text=text.strip(),
        data={"via": "caller_link", "caller": incident.caller.full_name},
    )
    return steps.incident_resume(by=None, incident_id=incident.pk, via_caller=True, note=_("The caller answered."))
