"""The signed links a caller answers through, without a login: "it works" and "still broken" in a resolution
mail, "answer" in a mail that asks them something. One implementation for the three (decision record 0009).

A token is ``django.core.signing`` data (salted, timestamped) naming the incident, the moment it is about
(the resolution, or the start of the wait), for a resolution the answer and, since each of the incident's
people gets links of their own, the person's key (``incidents.callers.people``; a link without one is the
caller's). It is refused, and changes
nothing, when it is damaged, older than ``INCIDENT_CONFIRMATION_DAYS``, or about a moment that has passed.
Tokens keep the payloads and salts they were first mailed with, so links already in mailboxes keep working.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.callers.people import Person, person_with_key
from incidents.choices import State
from incidents.core.values import when
from incidents.models import Incident

RESOLUTION_SALT = "incidents.confirmation"
REPLY_SALT = "incidents.caller_reply"


class Answer(enum.StrEnum):
    """What a link answers: a resolution (it works, still broken) or a question of the desk (reply)."""

    WORKS = "works"
    BROKEN = "broken"
    REPLY = "reply"

    @property
    def salt(self) -> str:
        return REPLY_SALT if self is Answer.REPLY else RESOLUTION_SALT


class Refusal(enum.StrEnum):
    """Why a caller's link cannot be used (any more)."""

    INVALID = "invalid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    EARLIER_RESOLUTION = "earlier_resolution"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"
    CLOSED = "closed"
    ANSWERED = "answered"
    NOT_KEPT_INFORMED = "not_kept_informed"

    @property
    def status(self) -> int:
        """A damaged link is a bad request; every other one pointed at something that is gone."""
        return 400 if self is Refusal.INVALID else 410


@dataclass(frozen=True)
class CallerLink:
    """What a valid signature vouches for: this incident, this moment of it (the resolution, or the start of
    the wait), this answer."""

    incident_id: int
    moment: datetime.datetime
    answer: Answer
    person: str = ""


class CallerLinkRefused(ValidationError):
    """A link that cannot be used: ``refusal`` says why, the message says it to the caller."""

    def __init__(self, refusal: Refusal, incident: Incident | None = None, answer: Answer = Answer.WORKS) -> None:
        self.refusal = refusal
        self.incident = incident
        self.answer = answer
        super().__init__(refusal_message(refusal, incident, answer), code=refusal.value)


# --- making and reading -------------------------------------------------------------------------------

URL_NAMES = {
    Answer.WORKS: "incidents:caller_it_works",
    Answer.BROKEN: "incidents:caller_still_broken",
    Answer.REPLY: "incidents:caller_reply",
}


def caller_link_token(incident: Incident, answer: Answer, person: str = "") -> str:
    """The signed token of one answer about the incident's current resolution, or its current wait, for the
    person whose key is ``person`` (none: the caller)."""
    moment = _moment(incident, answer)
    if moment is None:
        raise ValueError(f"{incident.number} has nothing to answer with {answer.value!r}.")
    payload: list[Any] = [incident.pk, moment.isoformat()]
    if answer is not Answer.REPLY:
        payload.append(answer.value)
    if person:
        payload.append(person)
    return signing.dumps(payload, salt=answer.salt)


def caller_link_url(incident: Incident, answer: Answer, person: str = "") -> str:
    """The absolute address (``SITE_URL``) of one answer's page."""
    return settings.SITE_URL + reverse(URL_NAMES[answer], args=[caller_link_token(incident, answer, person)])


def caller_link_read(*, token: str, answer: Answer) -> CallerLink:
    """Check a token's signature, age and answer. Raises ``CallerLinkRefused`` (invalid or expired)."""
    try:
        payload = signing.loads(token, salt=answer.salt)
        if answer is Answer.REPLY:
            incident_id, moment, *person = payload
            signed = answer
        else:
            incident_id, moment, signed_answer, *person = payload
            signed = Answer(signed_answer)
        if len(person) > 1 or not all(isinstance(key, str) and key for key in person):
            raise ValueError("A link names one person.")
        link = CallerLink(int(incident_id), datetime.datetime.fromisoformat(moment), signed, "".join(person))
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise CallerLinkRefused(Refusal.INVALID, answer=answer) from error
    if link.answer is not answer or link.moment.tzinfo is None:
        raise CallerLinkRefused(Refusal.INVALID, answer=answer)
    try:
        signing.loads(token, salt=answer.salt, max_age=link_lifetime())
    except signing.SignatureExpired as error:
        # Checked apart from the signature so that the page can say which incident the old link was about.
        incident = Incident.objects.defer("search_vector").filter(pk=link.incident_id).first()
        raise CallerLinkRefused(Refusal.EXPIRED, incident, answer) from error
    return link


def caller_link_open(*, token: str, answer: Answer) -> tuple[CallerLink, Incident]:
    """The link and its incident, when the incident still waits for this answer; else ``CallerLinkRefused``."""
    link = caller_link_read(token=token, answer=answer)
    incident = Incident.objects.defer("search_vector").select_related("caller").filter(pk=link.incident_id).first()
    if incident is None:
        raise CallerLinkRefused(Refusal.UNKNOWN if answer is Answer.REPLY else Refusal.INVALID, answer=answer)
    caller_link_check(incident, link)
    return link, incident


def caller_link_person(incident: Incident, link: CallerLink) -> Person:
    """The person the link was mailed to, while they are still one of the incident's people; else
    ``CallerLinkRefused``."""
    person = person_with_key(incident, link.person)
    if person is None:
        raise CallerLinkRefused(Refusal.NOT_KEPT_INFORMED, incident, link.answer)
    return person


def caller_link_check(incident: Incident, link: CallerLink) -> None:
    """Raise ``CallerLinkRefused`` when the incident no longer waits for this link's answer (for the pages, and
    for the services again under the incident's lock)."""
    refusal = caller_link_refusal(incident, link)
    if refusal is not None:
        raise CallerLinkRefused(refusal, incident, link.answer)


def caller_link_refusal(incident: Incident, link: CallerLink) -> Refusal | None:
    """Why the link can no longer be answered, or ``None`` if it can."""
    if link.answer is Answer.REPLY:
        return None if incident.awaiting_caller_since == link.moment else Refusal.ANSWERED
    if incident.state == State.CLOSED:
        return Refusal.CLOSED
    if incident.state == State.RESOLVED and incident.resolved_at == link.moment:
        if incident.confirmed_at is not None and incident.confirmed_at >= incident.resolved_at:
            return Refusal.CONFIRMED
        return None
    if incident.resolved_at is not None:
        return Refusal.EARLIER_RESOLUTION
    return Refusal.REOPENED


def link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INCIDENT_CONFIRMATION_DAYS)


def answer_days(incident: Incident) -> int:
    """How long the caller has to answer a resolution: the links' lifetime, or less when the incident is closed
    automatically before (only incidents with a category are)."""
    if incident.category_id is None:
        return settings.INCIDENT_CONFIRMATION_DAYS
    return min(settings.INCIDENT_CONFIRMATION_DAYS, settings.SERVICEDESK_AUTO_CLOSE_DAYS)


def _moment(incident: Incident, answer: Answer) -> datetime.datetime | None:
    return incident.awaiting_caller_since if answer is Answer.REPLY else incident.resolved_at


# --- what the caller reads ----------------------------------------------------------------------------

# About a resolution; ``%(number)s``, ``%(when)s`` and ``%(days)s`` are filled in.
RESOLUTION_REFUSALS = {
    Refusal.INVALID: gettext_lazy(
        "This link is not valid. It may have been cut off or changed when it was copied: open it from the e-mail "
        "again, or contact the service desk."
    ),
    Refusal.EXPIRED: gettext_lazy(
        "This link about %(number)s has expired: the links in a resolution e-mail work for %(days)s days."
    ),
    Refusal.EARLIER_RESOLUTION: gettext_lazy(
        "This link is about an earlier resolution of %(number)s. Please use the links in the latest e-mail about it."
    ),
    Refusal.CONFIRMED: gettext_lazy("You already confirmed on %(when)s that the fix of %(number)s works. Thank you!"),
    Refusal.REOPENED: gettext_lazy(
        "%(number)s was reopened and is being worked on again: it no longer waits for your answer. We will write "
        "to you when it is resolved."
    ),
    Refusal.CLOSED: gettext_lazy("%(number)s was closed on %(when)s."),
    Refusal.NOT_KEPT_INFORMED: gettext_lazy(
        "This link was mailed to someone the service desk no longer keeps informed about %(number)s. If the fault "
        "still affects you, please write to the service desk."
    ),
}
# About a question of the desk.
REPLY_REFUSALS = {
    Refusal.INVALID: gettext_lazy("This link is damaged: copy the whole address from the mail, or write to us."),
    Refusal.EXPIRED: gettext_lazy("This link has expired. Please write to the service desk instead."),
    Refusal.UNKNOWN: gettext_lazy("This incident is not known any more. Please write to the service desk."),
    Refusal.ANSWERED: gettext_lazy("Thank you: %(number)s no longer waits for this answer."),
    Refusal.NOT_KEPT_INFORMED: RESOLUTION_REFUSALS[Refusal.NOT_KEPT_INFORMED],
}


def refusal_message(refusal: Refusal, incident: Incident | None, answer: Answer = Answer.WORKS) -> str:
    """The sentence the caller reads on the refusal page."""
    if answer is Answer.REPLY:
        return REPLY_REFUSALS[refusal] % {"number": incident.number if incident else ""}
    if incident is None:
        if refusal is Refusal.EXPIRED:
            return _("This link has expired: the links in a resolution e-mail work for %(days)s days.") % {
                "days": settings.INCIDENT_CONFIRMATION_DAYS
            }
        return str(RESOLUTION_REFUSALS[Refusal.INVALID])
    moment = incident.confirmed_at if refusal is Refusal.CONFIRMED else incident.closed_at
    return RESOLUTION_REFUSALS[refusal] % {
        "number": incident.number,
        "when": when(moment),
        "days": settings.INCIDENT_CONFIRMATION_DAYS,
    }
