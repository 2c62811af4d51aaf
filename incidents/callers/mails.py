"""What an incident's people are told by mail: the number of their call (or that it was added to an
incident), a question the desk waits on (with a link to answer), updates and workarounds, the resolution
(with links to confirm or reject it), the closure. Every mail carries the person's own status-page link.

The people are the caller, the callers whose calls were added, and the contacts and addresses the desk keeps
informed (``incidents.callers.people``); a subordinate's people hear of a master's news on their own incident,
and "inform the affected users" reaches them all.
A person without an address gets nothing. Each function writes one message per person to the outbox inside
the change's transaction and returns what it queued for the change's journal entry (``Mailed``: the journal
says who was told); the journal itself is the caller's to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.models import Contact
from incidents.callers.links import Answer, answer_days, caller_link_url
from incidents.callers.people import CALLER, Person, people_of, people_of_many, person_of_contact, reachable
from incidents.callers.status import status_link_url
from incidents.choices import Visibility
from incidents.core.writes import Mailed
from incidents.mail.messages import OutgoingMail, mails, subject_for, write_mails
from incidents.models import Incident
from servicedesk.locales import speaking_to_contact

PersonContext = Callable[[Person], dict[str, Any]]
StrOrPromise = str | Promise


def people_mail_write(
    incident: Incident,
    people: Iterable[Person],
    *,
    kind: str,
    what: StrOrPromise,
    template: str,
    context: dict[str, Any] | None = None,
    personal: PersonContext | None = None,
    queue: bool = True,
) -> Mailed:
    """Write one mail to each person who has an address, greeted by name, with their own status link (and
    what ``personal`` adds for them), in their language (``what`` is lazy for that); the subject, as the desk
    reads it, and the recipients (with ``queue=False`` also the rows, for the caller to publish)."""
    told = reachable(list(people))
    written = []
    for person in told:
        with speaking_to_contact(person.language):
            personal_context = {
                "incident": incident,
                # Someone known by an address alone is greeted as a colleague, not by their address.
                "caller": person
                if person.name != person.email
                else replace(person, name=_("colleague"), first_name=_("colleague")),
                "status_url": status_link_url(incident, person.key),
                **(context or {}),
                **(personal(person) if personal else {}),
            }
            subject = subject_for(incident, str(what))
            outgoing = mails(
                kind=kind, recipients=[person.email], subject=subject, template=template, context=personal_context
            )
        written += write_mails(incident, outgoing, queue=queue)
    return Mailed(
        [person.email for person in told],
        subject_for(incident, str(what)),
        unqueued=[] if queue else [message.pk for message in written],
    )


def caller_recorded(incident: Incident, *, caller: Contact, queue: bool = True) -> Mailed | None:
    """Tell the caller their incident's number and summary (on recording; ``queue``: see ``outbox_write``)."""
    if not caller.email:
        return None
    person = person_of_contact(caller, reason=CALLER, incident_id=incident.pk)
    return people_mail_write(
        incident, [person], kind="recorded", what=gettext_lazy("Recorded"), template="recorded", queue=queue
    )


def person_call_added(incident: Incident, *, person: Person) -> Mailed | None:
    """Tell someone whose call was added to an open incident its number: they are kept informed from now."""
    if not person.email:
        return None
    mailed = people_mail_write(
        incident,
        [person],
        kind="call_added",
        what=gettext_lazy("Your call"),
        template="kept_informed",
        context={"call": True},
    )
    text = _("%(name)s was told that their call was added, and will be kept informed.") % {"name": person.name}
    return Mailed(mailed.recipients, mailed.subject, notice="call_added", text=text)


def person_kept_informed(incident: Incident, *, person: Person) -> Mailed | None:
    """Tell someone the desk keeps informed about an incident from now on, and how to follow it."""
    if not person.email:
        return None
    mailed = people_mail_write(
        incident, [person], kind="kept_informed", what=gettext_lazy("Kept informed"), template="kept_informed"
    )
    text = _("%(name)s was told that they will be kept informed.") % {"name": person.name}
    return Mailed(mailed.recipients, mailed.subject, notice="kept_informed", text=text)


def caller_awaiting_answer(incident: Incident, *, question: str) -> Mailed | None:
    """Ask the caller for what the desk waits on (the clock pauses meanwhile), with a signed link to answer."""
    caller = incident.caller
    if not caller.email:
        return None
    person = person_of_contact(caller, reason=CALLER, incident_id=incident.pk)
    mailed = people_mail_write(
        incident,
        [person],
        kind="awaiting_answer",
        what=gettext_lazy("Awaiting your answer"),
        template="awaiting_answer",
        context={"question": question, "reply_url": caller_link_url(incident, Answer.REPLY)},
    )
    text = _("The caller was asked: %(question)s") % {"question": question}
    return Mailed(
        mailed.recipients, mailed.subject, notice="awaiting_answer", text=text, visibility=Visibility.CUSTOMER
    )


def caller_closed(incident: Incident) -> Mailed | None:
    """Tell the incident's people it is closed (by the desk or automatically); ``None`` when none can be mailed."""
    mailed = people_mail_write(
        incident, people_of(incident), kind="closed", what=gettext_lazy("Closed"), template="closed"
    )
    return mailed if mailed.recipients else None


def confirmation_requests(incidents: Iterable[Incident]) -> list[tuple[Incident, Mailed]]:
    """For each incident just resolved, mail each of its people the resolution with their own two links ("it
    works", "still broken"); when nobody has an address, the desk is told to ask the caller by phone."""
    incidents = list(incidents)
    everyone = people_of_many(incidents)  # a master resolved with its subordinates: two queries, not 3 each
    asked = []
    for incident in incidents:
        people = everyone[incident.pk]
        if not reachable(people):
            text = _("No confirmation could be asked: %(caller)s has no e-mail address. Ask them by phone.") % {
                "caller": people[0].name
            }
            asked.append((incident, Mailed([], notice="confirmation_request", text=text)))
            continue
        mailed = people_mail_write(
            incident,
            people,
            kind="resolved",
            what=gettext_lazy("Resolved"),
            template="confirmation_request",
            context={"days": answer_days(incident)},
            personal=lambda person, incident=incident: {
                "works_url": caller_link_url(incident, Answer.WORKS, person.key),
                "broken_url": caller_link_url(incident, Answer.BROKEN, person.key),
            },
        )
        text = _("The resolution was mailed, with links to confirm the fix or report it still broken.")
        notice = Mailed(
            mailed.recipients, mailed.subject, notice="confirmation_request", text=text, visibility=Visibility.CUSTOMER
        )
        asked.append((incident, notice))
    return asked


def caller_journal_entry(incident: Incident, *, kind: str, what: StrOrPromise, text: str) -> Mailed:
    """A customer update or a workaround (template ``journal_<kind>``) for everyone the incident keeps
    informed (a subordinate's people hear of it on their own incident); the subject is kept either way."""
    people = people_of(incident)
    return people_mail_write(incident, people, kind=kind, what=what, template=f"journal_{kind}", context={"text": text})


def users_informed(incident: Incident, *, recipients: list[str], subject: str, body: str) -> Mailed:
    """The operator's message to everyone a serious incident affects: one mail each, so that nobody learns the
    others' addresses."""
    for recipient in recipients:
        OutgoingMail(kind="users_informed", recipient=recipient, subject=subject, body_text=body).write(incident)
    return Mailed(recipients, subject, notice="users", text=body, visibility=Visibility.CUSTOMER)
