"""The incident list and the incident page."""

from __future__ import annotations

from typing import Any

from cmdb.impact import changes_around
from incidents import evidence, notices, selectors, storms
from incidents.filters import IncidentFilter
from incidents.forms import AcceptImpactForm, InformUsersForm
from servicedesk.pages import DetailPage, ListPage


class IncidentListView(ListPage):
    permission_required = "incidents.view_incident"
    filterset_class = IncidentFilter
    template_name = "incidents/incident_list.html"

    def get_queryset(self):
        return selectors.incident_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The desk sees the storms going on above its list; nobody else can gather them.
        if self.request.user.has_perm("incidents.add_incident"):
            kwargs["storms"] = storms.incident_storms()
        return super().get_context_data(**kwargs)


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
                "management_recipients": notices.management_recipients(incident),
                "user_recipients": notices.affected_user_recipients(incident),
                "inform_form": InformUsersForm(initial={"subject": subject, "body": body}),
            }
        if incident.is_open and incident.parent_id is None and self.request.user.has_perm("incidents.add_incident"):
            found = evidence.incident_evidence([incident])[incident.pk]
            context["impact_proposal"] = evidence.propose_impact(found, incident.impact)
            context["accept_impact_form"] = AcceptImpactForm()
        return super().get_context_data(**context, **kwargs)
