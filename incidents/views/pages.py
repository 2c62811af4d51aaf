"""The incident list and the incident page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cmdb.impact import changes_around
from incidents import selectors
from incidents.filters import IncidentFilter
from incidents.forms.recording import AcceptImpactForm, InformUsersForm
from incidents.forms.steps import ReevaluationDecisionForm
from incidents.lifecycle import notices, reevaluation, rules
from incidents.mail import staff
from incidents.models import Incident, is_group_member
from incidents.recording import details, evidence, storms
from incidents.recording.review import incident_review
from incidents.views import review, steps
from incidents.views.journal import journal_context
from servicedesk.pages import DetailPage, ListPage, wants_results_only


class IncidentListView(ListPage):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilter
    template_name = "incidents/incident_list.html"

    def get_queryset(self):
        return selectors.incident_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The desk sees the storms going on above its list; nobody else can gather them.
        # Not for a refresh of the results, which does not show them.
        if self.request.user.has_perm("incidents.add_incident") and not wants_results_only(self.request):
            kwargs["storms"] = storms.incident_storms()
        kwargs["sla_now"] = timezone.now()  # the SLA column: time left or overdue
        return super().get_context_data(heading=gettext_lazy("Incidents"), **kwargs)


class IncidentDetailView(DetailPage):
    permission_required = "incidents.view_incident"
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"
    slug_field = "number"
    slug_url_kwarg = "number"

    def get_queryset(self):
        return selectors.incident_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        incident = self.object
        ci_ids = [ci.pk for ci in incident.cis.all()]
        context: dict[str, Any] = {
            "changes": list(changes_around(ci_ids=ci_ids, moment=incident.reported_at)) if ci_ids else [],
        }
        if incident.serious_notices_pending:
            subject, body = notices.prepared_user_message(incident)
            context |= {
                "management_recipients": staff.management_recipients(incident),
                "user_recipients": notices.affected_user_recipients(incident),
                "inform_form": InformUsersForm(initial={"subject": subject, "body": body}),
            }
        context["steps"] = step_buttons(incident, self.request.user)
        # The service-level panel (templates/incidents/partials/sla.html); its ledger loads when opened.
        context |= {
            "sla_now": timezone.now(),
            "may_pause": rules.may_pause(incident, self.request.user),
            "may_take_back": rules.may_take_back(incident, self.request.user),
        }
        if incident.is_open and details.may_edit(incident, self.request.user):
            context["review"] = incident_review(incident)
        if incident.pending_reevaluations:
            waiting = incident.pending_reevaluations[0]
            initial = {"impact": waiting.proposed_impact, "urgency": waiting.proposed_urgency}
            context["reevaluation"] = waiting
            context["reevaluation_form"] = ReevaluationDecisionForm(initial=initial)
        if incident.is_open and incident.parent_id is None and self.request.user.has_perm("incidents.add_incident"):
            found = evidence.incident_evidence([incident])[incident.pk]
            context["impact_proposal"] = evidence.propose_impact(found, incident.impact)
            context["accept_impact_form"] = AcceptImpactForm()
        # The journal section and the workaround box (incidents.views.journal).
        context |= journal_context(self.request, incident)
        return super().get_context_data(**context, **kwargs)


def step_buttons(incident: Incident, user: Any) -> list[dict[str, Any]]:
    """The lifecycle steps the user may take now, as the incident page's buttons.

    Acknowledging is one click (a post from the page); so is "assign to me" for a member of the group.
    The others open the step's page.
    """
    buttons = []
    for name in rules.available_steps(incident=incident, user=user):
        url = reverse("incidents:step", args=[incident.number, name.replace("_", "-")])
        buttons.append({"name": name, "label": steps.PAGES[name].button, "url": url, "post": name == "acknowledge"})
        if name == "assign" and is_group_member(incident, user) and incident.assignee_id != user.pk:
            buttons.append({"name": "assign_me", "label": _("Assign to me"), "url": url, "post": True})
    if reevaluation.may_request(incident, user) and not incident.pending_reevaluations:
        url = reverse("incidents:request_reevaluation", args=[incident.number])
        buttons.append({"name": "reevaluate", "label": _("Ask for re-evaluation"), "url": url, "post": False})
    if review.may_promote(incident, user):
        url = reverse("incidents:promote", args=[incident.number])
        buttons.append({"name": "promote", "label": _("Promote to known error"), "url": url, "post": False})
    if details.may_edit(incident, user):
        url = reverse("incidents:edit", args=[incident.number])
        buttons.append({"name": "edit", "label": _("Change details"), "url": url, "post": False})
    return buttons
