"""The caller's answer to a resolution: the signed links in the resolution mail, and the mail around them.

When an incident is resolved (at first line, by its group, or with its master), its caller gets a mail
with the resolution notes and two links that need no login: "it works" (confirm and rate the service,
``lifecycle.incident_confirm``) and "still broken" (reopen, ``lifecycle.incident_reopen(by=None,
via_caller=True)``). When the caller reopens, the support group (or, for a first-line fix, the desk owner)
is told by mail.

Every mail is a journal entry and an outbox row (``incidents.outbox``) written in the transaction of the
change that caused it, sent after the commit and retried, so a rolled-back change mails no one.
Notification entries carry no ``incident_version``: they record mail, not a change of the incident.

A link is ``django.core.signing`` data (salted, timestamped) holding the incident's id, the resolution it
is about (``resolved_at``) and the answer it gives. It is refused, and changes nothing, when it is
damaged, older than ``INCIDENT_CONFIRMATION_DAYS``, about an earlier resolution, already answered (the
two links of one mail are one answer), or when the incident is no longer resolved (reopened, closed).
Links are never journaled: they are bearer credentials.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import Contact
from incidents.choices import State, Visibility
from incidents.mail import notifications
from incidents.models import Incident

SALT = "incidents.confirmation"


class Answer(enum.StrEnum):
    """What a link answers; each of the two links of a resolution mail carries its own."""

    WORKS = "works"
    BROKEN = "broken"


class Refusal(enum.StrEnum):
    """Why a caller's link cannot be used (any more)."""

    INVALID = "invalid"
    EXPIRED = "expired"
    EARLIER_RESOLUTION = "earlier_resolution"
    CONFIRMED = "confirmed"
    REOPENED = "reopened"
    CLOSED = "closed"

    @property
    def status(self) -> int:
        """A damaged link is a bad request; every other one pointed at something that is gone."""
        return 400 if self is Refusal.INVALID else 410


@dataclass(frozen=True)
class CallerLink:
    """What a valid signature vouches for: this incident, this resolution of it, this answer."""

    incident_id: int
    resolved_at: datetime.datetime
    answer: Answer


class CallerLinkRefused(ValidationError):
    """A link that cannot be used: ``refusal`` says why, the message says it to the caller."""

    def __init__(self, refusal: Refusal, incident: Incident | None = None) -> None:
        self.refusal = refusal
        self.incident = incident
        super().__init__(refusal_message(refusal, incident), code=refusal.value)


# --- the links ----------------------------------------------------------------------------------------


def caller_link_token(incident: Incident, answer: Answer) -> str:
    """The signed token of one answer to the incident's current resolution."""
    if incident.resolved_at is None:
        raise ValueError(f"{incident.number} is not resolved: there is nothing to answer.")
    return signing.dumps([incident.pk, incident.resolved_at.isoformat(), answer.value], salt=SALT)


def caller_link_url(incident: Incident, answer: Answer) -> str:
    """The absolute address (``SITE_URL``) of one answer's page."""
    name = "incidents:caller_it_works" if answer is Answer.WORKS else "incidents:caller_still_broken"
    return settings.SITE_URL + reverse(name, args=[caller_link_token(incident, answer)])


def caller_link_read(*, token: str, answer: Answer) -> CallerLink:
    """Check a token's signature, age and answer. Raises ``CallerLinkRefused`` (invalid or expired)."""
    try:
        incident_id, resolved_at, signed_answer = signing.loads(token, salt=SALT)
        link = CallerLink(int(incident_id), datetime.datetime.fromisoformat(resolved_at), Answer(signed_answer))
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise CallerLinkRefused(Refusal.INVALID) from error
    if link.answer is not answer or timezone.is_naive(link.resolved_at):
        raise CallerLinkRefused(Refusal.INVALID)
    try:
        signing.loads(token, salt=SALT, max_age=link_lifetime())
    except signing.SignatureExpired as error:
        # Checked apart from the signature so that the page can say which incident the old link was about.
        raise CallerLinkRefused(
            Refusal.EXPIRED, Incident.objects.defer("search_vector").filter(pk=link.incident_id).first()
        ) from error
    return link


def caller_link_refusal(incident: Incident, resolved_at: datetime.datetime) -> Refusal | None:
    """Why a link about the resolution at ``resolved_at`` can no longer be answered, or ``None`` if it can."""
    if incident.state == State.CLOSED:
        return Refusal.CLOSED
    if incident.state == State.RESOLVED and incident.resolved_at == resolved_at:
        if incident.confirmed_at is not None and incident.confirmed_at >= incident.resolved_at:
            return Refusal.CONFIRMED
        return None
    if incident.resolved_at is not None:
        return Refusal.EARLIER_RESOLUTION
    return Refusal.REOPENED


def link_lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INCIDENT_CONFIRMATION_DAYS)


def answer_days(incident: Incident) -> int:
    """How long the caller has to answer: the links' lifetime, or less when the incident is closed
    automatically before (only incidents with a category are)."""
    if incident.category_id is None:
        return settings.INCIDENT_CONFIRMATION_DAYS
    return min(settings.INCIDENT_CONFIRMATION_DAYS, settings.SERVICEDESK_AUTO_CLOSE_DAYS)


# What the caller reads on the refusal page; ``%(number)s``, ``%(when)s`` and ``%(days)s`` are filled in.
REFUSAL_MESSAGES = {
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
}


def refusal_message(refusal: Refusal, incident: Incident | None) -> str:
    """The sentence the caller reads on the refusal page."""
    if incident is None:
        if refusal is Refusal.EXPIRED:
            return _("This link has expired: the links in a resolution e-mail work for %(days)s days.") % {
                "days": settings.INCIDENT_CONFIRMATION_DAYS
            }
        return str(REFUSAL_MESSAGES[Refusal.INVALID])
    when = incident.confirmed_at if refusal is Refusal.CONFIRMED else incident.closed_at
    return REFUSAL_MESSAGES[refusal] % {
        "number": incident.number,
        "when": _when(when),
        "days": settings.INCIDENT_CONFIRMATION_DAYS,
    }


# --- the mail -----------------------------------------------------------------------------------------


def confirmation_requests_queue(incidents: list[Incident]) -> None:
    """Journal, for each incident just resolved, the mail asking its caller to confirm, and send it after commit.

    Each caller gets a mail of their own, about their own incident. A caller without an e-mail address
    gets none: a work note tells the desk to ask them another way. Call inside the resolving transaction.
    """
    callers = Contact.objects.in_bulk({incident.caller_id for incident in incidents})
    for incident in incidents:
        caller = callers[incident.caller_id]
        if not caller.email:
            notifications.journal_notification(
                incident,
                text=_("No confirmation could be asked: %(caller)s has no e-mail address. Ask them by phone.")
                % {"caller": caller.full_name},
                notice="confirmation_request",
                recipients=[],
            )
            continue
        subject, _written = notifications.caller_mail_write(
            incident,
            caller=caller,
            kind="resolved",
            what=_("Resolved"),
            template="confirmation_request",
            context={
                "works_url": caller_link_url(incident, Answer.WORKS),
                "broken_url": caller_link_url(incident, Answer.BROKEN),
                "days": answer_days(incident),
            },
        )
        notifications.journal_notification(
            incident,
            text=_("The resolution was mailed to the caller, with links to confirm the fix or report it still broken."),
            notice="confirmation_request",
            recipients=[caller.email],
            subject=subject,
            visibility=Visibility.CUSTOMER,
        )


def reopened_notify(incident: Incident, *, reason: str) -> None:
    """Journal the mail telling the group (or, for a first-line fix, the desk owner) that the caller reopened,
    and send it after commit; a bell for each of them.

    Call inside the reopening transaction, after the incident was saved.
    """
    users, recipients = notifications.group_or_owner(incident)
    who = incident.assigned_group.name if incident.assigned_group_id else _name(incident.desk_owner)
    # The bell rings whether or not anyone has an address: the group learns it from the portal at least.
    notifications.notify_staff(
        users=users,
        incident=incident,
        kind="reopened_by_caller",
        text=_("%(number)s was reopened by the caller: %(reason)s") % {"number": incident.number, "reason": reason},
    )
    if not recipients:
        notifications.journal_notification(
            incident,
            text=_("Nobody could be told that the caller reopened it: %(who)s has no e-mail address.") % {"who": who},
            notice="reopened_by_caller",
            recipients=[],
        )
        return
    subject = notifications.subject_for(incident, _("Reopened by the caller"))
    notifications.write_mails(
        incident,
        notifications.mails(
            kind="reopened_by_caller",
            recipients=recipients,
            subject=subject,
            template="reopened_by_caller",
            context={
                "incident": incident,
                "caller": incident.caller,
                "reason": reason,
                "group": incident.assigned_group,
            },
        ),
    )
    notifications.journal_notification(
        incident,
        text=_("%(who)s told that the caller reopened it.") % {"who": who},
        notice="reopened_by_caller",
        recipients=recipients,
        subject=subject,
    )


def _when(moment: datetime.datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()
