"""The managers' dashboard (``incidents.reporting.dashboard``): the figures of a period, each linked to the list
behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cmdb.models import ConfigurationItem
from incidents.choices import State
from incidents.filters import ALL, OPEN
from incidents.recording import details
from incidents.reporting import dashboard
from incidents.reporting.charts import bar_chart
from knowledge.forms import ProblemForm


@require_GET
@permission_required("incidents.view_dashboard", raise_exception=True)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    key = dashboard.period_key(request.GET.get("period"))
    period = dashboard.period_named(key)
    figures = dashboard.dashboard(period)
    links = Links(period)
    chart = bar_chart(
        title=_("Incidents per day"),
        description=_("Incidents reported and resolved each day of %(period)s.") % {"period": period.label},
        series=(_("reported"), _("resolved")),
        rows=[(date_format(day, "D j M"), (reported, resolved)) for day, reported, resolved in figures.trend],
    )
    context = {
        "figures": figures,
        "links": links,
        "chart": chart,
        "period_key": key,
        "periods": [(name, label, name == key) for name, label in dashboard.PERIODS.items()],
        "repeat_threshold": dashboard.REPEAT_THRESHOLD,
    }
    template = "incidents/dashboard.html#serious" if getattr(request, "htmx", False) else "incidents/dashboard.html"
    return render(request, template, context)


class Links:
    """Addresses of the incident list filtered to what a figure counts."""

    def __init__(self, period: dashboard.Period) -> None:
        self.period = period

    def _list(self, **params: Any) -> str:
        return f"{reverse('incidents:incident_list')}?{urlencode(params, doseq=True)}"

    def _within(self, name: str) -> dict[str, str]:
        # What happened in the period, to incidents in any state now (the list opens on the open ones).
        return {"state": ALL, f"{name}_from": self.period.start.isoformat(), f"{name}_to": self.period.end.isoformat()}

    @property
    def open(self) -> str:
        return self._list(state=OPEN)

    def priority(self, priority: int) -> str:
        return self._list(state=OPEN, priority=priority)

    def group(self, group_id: int | None) -> str:
        return self._list(state=OPEN, assigned_group=group_id) if group_id else self._list(state=OPEN, no_group="true")

    @property
    def serious(self) -> str:
        return self._list(state=OPEN, serious="true")

    @property
    def reported(self) -> str:
        return self._list(**self._within("reported"))

    @property
    def resolved(self) -> str:
        return self._list(**self._within("resolved"))

    @property
    def first_contact(self) -> str:
        return self._list(**self._within("resolved"), no_group="true")

    @property
    def known_error(self) -> str:
        return self._list(**self._within("resolved"), with_known_error="true")

    @property
    def closed(self) -> str:
        return self._list(**self._within("closed"))

    def service(self, service_id: int) -> str:
        return self._list(**self._within("reported"), service=service_id)

    def ci(self, name: str) -> str:
        return self._list(**self._within("reported"), ci=name)


@require_http_methods(["GET", "POST"])
@permission_required("knowledge.add_problem", raise_exception=True)
def raise_problem(request: HttpRequest, ci_id: int) -> HttpResponse:
    """A problem from a cluster of repeat incidents on one CI: the problem form prefilled, and on saving
    the cluster's incidents that are not closed linked to the new problem (each journaled)."""
    ci = get_object_or_404(ConfigurationItem.objects.only("pk", "name"), pk=ci_id)
    period = dashboard.period_named(request.GET.get("period"))
    cluster = list(dashboard.cluster(period, ci.pk).order_by("reported_at"))
    numbers = ", ".join(incident.number for incident in cluster)
    initial = {
        "title": _("Repeated incidents on %(ci)s") % {"ci": ci.name},
        "description": _("%(count)d incidents on %(ci)s in %(period)s: %(numbers)s.")
        % {"count": len(cluster), "ci": ci.name, "period": period.label.lower(), "numbers": numbers},
        "cis": [ci],
    }
    form = ProblemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            problem = form.save()
            linked = [
                details.incident_link(by=request.user, incident_id=incident.pk, target=problem)
                for incident in cluster
                if incident.state != State.CLOSED
            ]
        done = _("%(problem)s raised; %(count)d incidents linked to it.")
        messages.success(request, done % {"problem": problem.number, "count": len(linked)})
        return HttpResponseRedirect(problem.get_absolute_url())
    heading = _("Problem from the incidents on %(ci)s") % {"ci": ci.name}
    context = {"form": form, "heading": heading, "cancel_url": reverse("incidents:dashboard")}
    return render(request, "includes/form_page.html", context, status=400 if form.is_bound else 200)
