"""What the callers are told by mail: the number of their call, a question the desk waits on (with a link to
answer), the resolution (with links to confirm or reject it), updates and workarounds, the closure.

Callers have no login, so their mails name the number and the desk's address, never a page of the portal.
A caller without an address gets nothing (``None``, or ``Mailed`` with no recipient where the journal says
so). Each function writes to the outbox inside the change's transaction and returns what it queued for the
change's journal entry (``Mailed``); the journal itself is the caller's to write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from cmdb.models import Contact
from incidents.callers.links import Answer, answer_days, caller_link_url
from incidents.choices import Visibility
from incidents.core.writes import Mailed
from incidents.mail.messages import OutgoingMail, mails, subject_for, write_mails
from incidents.models import Incident


def caller_mail_write(
    incident: Incident, *, caller: Any, kind: str, what: str, template: str, context: dict[str, Any] | None = None
) -> Mailed:
    """Write one mail to a caller who has an address; its subject and recipient."""
    subject = subject_for(incident, what)
    write_mails(
        incident,
        mails(
            kind=kind,
            recipients=[caller.email],
            subject=subject,
            template=template,
            context={"incident": incident, "caller": caller, **(context or {})},
        ),
    )
    return Mailed([caller.email], subject)


def caller_recorded(incident: Incident, *, caller: Any) -> Mailed | None:
    """Tell the caller their incident's number and summary (on recording)."""
    if not caller.email:
        return None
    return caller_mail_write(incident, caller=caller, kind="recorded", what=_("Recorded"), template="recorded")


def caller_awaiting_answer(incident: Incident, *, question: str) -> Mailed | None:
    """Ask the caller for what the desk waits on (the clock pauses meanwhile), with a signed link to answer."""
    caller = incident.caller
    if not caller.email:
        return None
    mailed = caller_mail_write(
        incident,
        caller=caller,
        kind="awaiting_answer",
        what=_("Awaiting your answer"),
        template="awaiting_answer",
        context={"question": question, "reply_url": caller_link_url(incident, Answer.REPLY)},
    )
    text = _("The caller was asked: %(question)s") % {"question": question}
    return Mailed(
        mailed.recipients, mailed.subject, notice="awaiting_answer", text=text, visibility=Visibility.CUSTOMER
    )


def caller_closed(incident: Incident) -> Mailed | None:
    """Tell the caller their incident is closed (by the desk or automatically)."""
    caller = incident.caller
    if not caller.email:
        return None
    return caller_mail_write(incident, caller=caller, kind="closed", what=_("Closed"), template="closed")


def confirmation_requests(incidents: Iterable[Incident]) -> list[tuple[Incident, Mailed]]:
    """For each incident just resolved, mail its caller the resolution with the two links ("it works", "still
    broken"); a caller without an address gets none, and the desk is told to ask them by phone."""
    incidents = list(incidents)
    callers = Contact.objects.in_bulk({incident.caller_id for incident in incidents})
    asked = []
    for incident in incidents:
        caller = callers[incident.caller_id]
        if not caller.email:
            text = _("No confirmation could be asked: %(caller)s has no e-mail address. Ask them by phone.") % {
                "caller": caller.full_name
            }
            asked.append((incident, Mailed([], notice="confirmation_request", text=text)))
            continue
        mailed = caller_mail_write(
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
        text = _("The resolution was mailed to the caller, with links to confirm the fix or report it still broken.")
        asked.append(
            (
                incident,
                Mailed(
                    mailed.recipients,
                    mailed.subject,
                    notice="confirmation_request",
                    text=text,
                    visibility=Visibility.CUSTOMER,
                ),
            )
        )
    return asked


def caller_journal_entry(incident: Incident, *, kind: str, what: str, caller: Contact, text: str) -> Mailed:
    """A customer update or a workaround for the caller (template ``journal_<kind>``): mailed when they have an
    address; the subject is kept either way."""
    subject = subject_for(incident, what)
    recipients = [caller.email] if caller.email else []
    if recipients:
        write_mails(
            incident,
            mails(
                kind=kind,
                recipients=recipients,
                subject=subject,
                template=f"journal_{kind}",
                context={"incident": incident, "caller": caller, "text": text},
            ),
        )
    return Mailed(recipients, subject)


def users_informed(incident: Incident, *, recipients: list[str], subject: str, body: str) -> Mailed:
    """The operator's message to everyone a serious incident affects: one mail each, so that nobody learns the
    others' addresses."""
    for recipient in recipients:
        OutgoingMail(kind="users_informed", recipient=recipient, subject=subject, body_text=body).write(incident)
    return Mailed(recipients, subject, notice="users", text=body, visibility=Visibility.CUSTOMER)
