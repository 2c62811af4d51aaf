"""The status page of one incident for one of its people: its state in their words, what they can use (the
workaround, the resolution, the two answers), whether they can reply, and their journal."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from incidents.callers.links import URL_NAMES, Answer, CallerLink, caller_link_refusal, caller_link_token
from incidents.callers.people import Person
from incidents.callers.timeline import CallerJournal, caller_journal
from incidents.choices import State
from incidents.core.values import when
from incidents.models import Incident


@dataclass(frozen=True)
class StatusPage:
    incident: Incident
    person: Person
    state: str
    question: str  # what the desk waits on the person for, while it does
    workaround: str  # while the fault is not fixed
    resolution: str  # once it is
    works_url: str  # the two answers, while the resolution waits for one
    broken_url: str
    may_reply: bool
    journal: CallerJournal


def status_page(incident: Incident, person: Person, *, page: int = 1) -> StatusPage:
    """What ``person`` sees of the incident on its status page (``page``: of the journal, newest first)."""
    open_ = incident.state not in (State.RESOLVED, State.CLOSED)
    answerable = incident.state == State.RESOLVED and caller_link_refusal(incident, _resolution_link(incident)) is None
    return StatusPage(
        incident=incident,
        person=person,
        state=status_words(incident),
        question=incident.awaiting_caller_reason if open_ and incident.awaiting_caller_since else "",
        workaround=incident.workaround if open_ else "",
        resolution=incident.resolution_notes if not open_ else "",
        works_url=answer_url(incident, Answer.WORKS, person) if answerable else "",
        broken_url=answer_url(incident, Answer.BROKEN, person) if answerable else "",
        may_reply=incident.state != State.CLOSED,
        journal=caller_journal(incident, person_key=person.key, page=page),
    )


def status_words(incident: Incident) -> str:
    """The incident's state as its people say it."""
    if incident.state == State.CLOSED:
        return _("Closed on %(when)s") % {"when": when(incident.closed_at, "DATE_FORMAT")}
    if incident.state == State.RESOLVED:
        if incident.confirmed_at is not None and incident.confirmed_at >= incident.resolved_at:
            return _("Resolved: the fix was confirmed")  # by any of its people, not always the reader
        return _("Resolved: does it work?")
    if incident.awaiting_caller_since is not None:
        return _("Waiting for your answer")
    if incident.state == State.RECORDED:
        return _("Recorded")
    return _("Being worked on")


def answer_url(incident: Incident, answer: Answer, person: Person) -> str:
    """The person's own link of one answer, on this site (the mail's links name ``SITE_URL``)."""
    return reverse(URL_NAMES[answer], args=[caller_link_token(incident, answer, person.key)])


def _resolution_link(incident: Incident) -> CallerLink:
    return CallerLink(incident.pk, incident.resolved_at, Answer.WORKS)
