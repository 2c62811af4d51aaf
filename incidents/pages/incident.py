"""The incident page, panel by panel, for one user: built here for the page and for every re-render of it (a
refused journal entry, an htmx refresh), so that the views only render."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cmdb.impact import changes_around
from incidents import selectors
from incidents.choices import OPEN_STATES, ActivityKind, ClosureReason, State
from incidents.core.gate import gate_open
from incidents.forms.journal import JournalEntryForm, WorkaroundForm
from incidents.forms.recording import AcceptImpactForm, InformUsersForm
from incidents.forms.steps import ReevaluationDecisionForm
from incidents.journal.paging import journal_page, newest_url, older_links
from incidents.journal.timeline import SHOW_ALL, TimelineEntry, duration, timeline_filters
from incidents.lifecycle import closure, notices, reevaluation, rules
from incidents.mail.staff import management_recipients
from incidents.models import Activity, Incident, is_group_member, may_handle
from incidents.pages.people import people_panel
from incidents.pages.steps import PAGES
from incidents.recording import evidence, meaning, review
from incidents.recording.details import may_edit, may_link
from servicedesk.compiled import CompiledQuery
from servicedesk.preferences import preferences_of


@dataclass
class JournalSection:
    """The journal panel: the timeline with its filters, the time spent, and the forms for those who write.

    The timeline shows a page of entries (``incidents.journal.paging``): the newest, or those before an entry
    when a browser without JavaScript followed "Show older entries" (``newest_url`` leads back); ``older`` has
    the control's addresses while older entries are left. ``newest_first``: the reader's order (their
    preference), which also puts the controls at the ends they lead to."""

    incident: Incident
    show: str
    filters: list[dict[str, Any]]
    entries: list[TimelineEntry]
    minutes_spent: int
    entry_form: JournalEntryForm | None = None
    workaround_form: WorkaroundForm | None = None
    notice: str = ""
    older: dict[str, str] | None = None
    newest_url: str = ""
    newest_first: bool = True

    @property
    def time_spent(self) -> str:
        return duration(self.minutes_spent)


def incident_for_page() -> QuerySet[Incident]:
    """The incident as its page reads it: ``selectors.incident_detail()``, with its stored vector for the review
    read in the same statement (none of its own). ``incident_page`` and ``journal_section`` complete it."""
    return meaning.with_stored_vector(selectors.incident_detail())


# The incident's statement and its prefetches' statements, built once a process (servicedesk.compiled): the ORM took
# 2 ms a request to build the first and about 5 to build the others, which run in well under 1 ms each.
_PAGE_INCIDENT = CompiledQuery(
    lambda number: incident_for_page().filter(number=number), placeholder="!not an incident's number!"
)


def incident_of_page(number: str) -> Incident:
    """The incident numbered ``number`` as ``incident_for_page()`` reads it, from statements built once a process;
    404 when there is none."""
    incident = _PAGE_INCIDENT.first(number)
    if incident is None:
        raise Http404("No incident has this number.")
    return incident


def incident_page(
    incident: Incident,
    user: Any,
    *,
    show: str = SHOW_ALL,
    before: int | None = None,
    entry_form: JournalEntryForm | None = None,
    workaround_form: WorkaroundForm | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Every panel of the incident page that ``user`` may see and use, from an incident loaded by
    ``incident_for_page()``: the facts and the changes around the call, the steps they may take, the
    serious-incident notices, the clock, the review, a waiting re-evaluation, the evidence of the calls, the
    resolution, and the journal (``show`` filters it, ``before`` pages it back; the forms passed in are shown
    again with their errors)."""
    selectors.with_waiting_and_subordinates(incident)
    selectors.with_resolution(incident)
    ci_ids = [ci.pk for ci in incident.cis.all()]
    linkable = incident.is_open and may_link(incident, user)
    reviewed = review.incident_review(incident) if linkable else None
    panels: dict[str, Any] = {
        "incident": incident,
        # Listed once, around the call (what may have caused it), with a link button for those who may link.
        "changes": changes_around(ci_ids=ci_ids, moment=incident.reported_at),
        "changes_linkable": linkable,
        "steps": step_buttons(incident, user, known_errors=bool(reviewed and reviewed.known_errors)),
        "review": reviewed,
        # The service-level panel; its ledger loads when opened.
        "sla_now": timezone.now(),
        "may_pause": rules.may_pause(incident, user),
        "may_take_back": rules.may_take_back(incident, user),
    }
    if incident.serious_notices_pending:
        subject, body = notices.prepared_user_message(incident)
        panels |= {
            "management_recipients": management_recipients(incident),
            "user_recipients": notices.affected_user_recipients(incident),
            "inform_form": InformUsersForm(initial={"subject": subject, "body": body}),
        }
    if incident.pending_reevaluations:
        waiting = incident.pending_reevaluations[0]
        panels["reevaluation"] = waiting
        if gate_open(incident, "decide_reevaluation"):
            panels["reevaluation_form"] = ReevaluationDecisionForm(
                initial={"impact": waiting.proposed_impact, "urgency": waiting.proposed_urgency}
            )
    if incident.is_open and incident.parent_id is None and user.has_perm("incidents.add_incident"):
        panels["impact_proposal"] = evidence.propose_impact(evidence.evidence_of_read(incident), incident.impact)
        panels["accept_impact_form"] = AcceptImpactForm()
    if (reply := reply_after_resolution(incident)) is not None:
        panels["reply_after_resolution"] = reply_decision(incident, reply, panels["steps"])
    panels |= people_panel(incident, user)
    panels["journal"] = journal_section(
        incident, user, show=show, before=before, entry_form=entry_form, workaround_form=workaround_form, notice=notice
    )
    return panels


def reply_after_resolution(incident: Incident) -> Activity | None:
    """The latest reply from one of the incident's people since it was resolved, while it waits for the caller's
    word (one statement then, none otherwise: the page reads only a page of the journal)."""
    if incident.state != State.RESOLVED or incident.resolved_at is None:
        return None
    if incident.confirmed_at is not None and incident.confirmed_at >= incident.resolved_at:
        return None
    replies = incident.journal.filter(kind=ActivityKind.CALLER_REPLIED, created_at__gte=incident.resolved_at)
    return replies.order_by("-created_at", "-id").first()


def reply_decision(incident: Incident, reply: Activity, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The desk decides on a reply to a resolution: "it works" closes it, "still broken" reopens it (the steps'
    pages, filled in from the reply; offered only to who may take them)."""
    urls = {button["name"]: button["url"] for button in steps}
    excerpt = " ".join(reply.text.split())[:400]
    return {
        "entry": reply,
        "who": reply.data.get("from") or _("The caller"),
        "close_url": f"{urls['close']}?{urlencode({'reason': ClosureReason.CONFIRMED_BY_REPLY})}"
        if "close" in urls
        else "",
        "reopen_url": f"{urls['reopen']}?{urlencode({'reason': _('The caller wrote: %(text)s') % {'text': excerpt}})}"
        if "reopen" in urls
        else "",
    }


def journal_section(
    incident: Incident,
    user: Any,
    *,
    show: str = SHOW_ALL,
    before: int | None = None,
    entry_form: JournalEntryForm | None = None,
    workaround_form: WorkaroundForm | None = None,
    notice: str = "",
) -> JournalSection:
    """The journal panel (also the answer to an htmx post of an entry), with a page of the timeline: the newest
    entries, or those before the entry ``before``. Forms only for those who may write, on an incident that takes
    them: entries until it is closed, the workaround while it is open."""
    writer = may_handle(incident, user)
    if writer and incident.state != State.CLOSED and entry_form is None:
        entry_form = JournalEntryForm(
            subordinates=_has_open_subordinates(incident),
            customer=gate_open(incident, "send_update"),
            number=incident.number,
        )
    workaround_open = incident.state in OPEN_STATES and gate_open(incident, "provide_workaround")
    if writer and workaround_open and workaround_form is None:
        workaround_form = WorkaroundForm(
            initial={"workaround": incident.workaround, "expected_version": incident.version}
        )
    newest_first = preferences_of(user).newest_first
    page = journal_page(incident, show=show, before=before, newest_first=newest_first)
    return JournalSection(
        incident=incident,
        show=show,
        filters=timeline_filters(incident, show),
        entries=page.entries,
        minutes_spent=getattr(incident, "minutes_spent_total", 0) or 0,
        entry_form=entry_form if writer else None,
        workaround_form=workaround_form if writer else None,
        notice=notice,
        older=older_links(incident, show=show, older=page.older),
        newest_url=newest_url(incident, show=show) if before is not None else "",
        newest_first=newest_first,
    )


def step_buttons(incident: Incident, user: Any, *, known_errors: bool = False) -> list[dict[str, Any]]:
    """The lifecycle steps the user may take now, as the incident page's buttons; the one they most likely
    take next is ``primary`` (``primary_step``; ``known_errors``: a published known error matches).

    Acknowledging is one click (a post from the page); so is "assign to me" for a member of the group.
    The others open the step's page.
    """
    buttons = []
    for name in rules.available_steps(incident=incident, user=user):
        url = reverse("incidents:step", args=[incident.number, name.replace("_", "-")])
        buttons.append({"name": name, "label": PAGES[name].button, "url": url, "post": name == "acknowledge"})
        if name == "assign" and is_group_member(incident, user) and incident.assignee_id != user.pk:
            buttons.append({"name": "assign_me", "label": _("Assign to me"), "url": url, "post": True})
    next_step = primary_step(
        steps=[button["name"] for button in buttons],
        state=incident.state,
        with_group=incident.assigned_group_id is not None,
        acknowledged=incident.acknowledged_at is not None,
        assigned=incident.assignee_id is not None,
        assigned_to_user=incident.assignee_id is not None and incident.assignee_id == user.pk,
        known_errors=known_errors,
        closing_early=incident.state == State.RESOLVED and closure.closing_early(incident),
    )
    for button in buttons:
        button["primary"] = button["name"] == next_step
    if reevaluation.may_request(incident, user) and not incident.pending_reevaluations:
        url = reverse("incidents:request_reevaluation", args=[incident.number])
        buttons.append({"name": "reevaluate", "label": _("Ask for re-evaluation"), "url": url, "post": False})
    if review.may_promote(incident, user):
        url = reverse("incidents:promote", args=[incident.number])
        buttons.append({"name": "promote", "label": _("Promote to known error"), "url": url, "post": False})
    if may_edit(incident, user):
        url = reverse("incidents:edit", args=[incident.number])
        buttons.append({"name": "edit", "label": _("Change details"), "url": url, "post": False})
    return buttons


def primary_step(
    *,
    state: str,
    steps: Collection[str],
    with_group: bool = False,
    acknowledged: bool = False,
    assigned: bool = False,
    assigned_to_user: bool = False,
    known_errors: bool = False,
    closing_early: bool = False,
) -> str | None:
    """The step the user most likely takes next, if it is one of the ``steps`` they may take now; ``None``
    when nothing is theirs to do next (the desk while a group works on it, a fix the caller has not confirmed).

    Recorded: classify. With the desk (classified, or taken back from a group): resolve at first line when a
    published known error matches, else escalate. With a group: acknowledge, then "assign to me" while
    nobody has it, then resolve for the one who has it. Resolved: close, once closing needs no reason (the
    caller confirmed, or the automatic closure is due).
    """
    wanted = None
    if state == State.RECORDED:
        wanted = "classify"
    elif state == State.CLASSIFIED or (state == State.INVESTIGATING and not with_group):
        wanted = "resolve_at_first_line" if known_errors else "escalate"
    elif state == State.INVESTIGATING and not acknowledged:
        wanted = "acknowledge"
    elif state == State.INVESTIGATING:
        wanted = "resolve" if assigned_to_user else None if assigned else "assign_me"
    elif state == State.RESOLVED and not closing_early:
        wanted = "close"
    return wanted if wanted in steps else None


def _has_open_subordinates(incident: Incident) -> bool:
    return any(subordinate.state in OPEN_STATES for subordinate in incident.subordinates.all())
