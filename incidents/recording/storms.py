"""Incident storms: many calls about one service or CI in a short time, to be gathered under one proposed master
(decision record 0013)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cmdb.models import ConfigurationItem
from incidents.models import OPEN, Incident
from servicedesk.compiled import MOMENT_PLACEHOLDER, CompiledQuery

SERVICE = "service"
CI = "ci"
SCOPES = {SERVICE: _("service"), CI: _("configuration item")}
# A storm page lists at most this many incidents; more than that in half an hour is one outage anyway.
MAX_INCIDENTS = 200
# What the banner of a storm reads of its incidents, and the choice of its master (and the service's name).
BANNER_FIELDS = ("id", "number", "state", "priority", "reported_at", "service")


@dataclass(frozen=True, slots=True)
class Storm:
    """Open top-level incidents on one service or CI, reported close together; ``master`` is proposed."""

    scope: str
    scope_id: int
    scope_name: str
    incidents: tuple[Incident, ...]
    master: Incident

    @property
    def others(self) -> tuple[Incident, ...]:
        return tuple(incident for incident in self.incidents if incident.pk != self.master.pk)

    @property
    def first_reported_at(self) -> datetime.datetime:
        return min(incident.reported_at for incident in self.incidents)

    @property
    def first_call_ago(self) -> str:
        return ago(self.first_reported_at)

    def get_absolute_url(self) -> str:
        return reverse("incidents:storm", args=[self.scope, self.scope_id])


def ago(moment: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """How long ago ``moment`` was, in words that are never "0 minutes": "just now", "12 minutes ago",
    "1 hour, 5 minutes ago"."""
    now = now or timezone.now()
    if now - moment < datetime.timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(time)s ago") % {"time": timesince(moment, now)}


def incident_storms(*, now: datetime.datetime | None = None) -> list[Storm]:
    """The storms going on now, the largest first (two queries), for the banners above the desk's pages: their
    incidents carry only what a banner and the choice of master read (the storm page reads them whole)."""
    recent = list(_RECENT.rows(_window_start(now)))
    by_service: dict[int, list[Incident]] = defaultdict(list)
    by_ci: dict[int, list[Incident]] = defaultdict(list)
    ci_names: dict[int, str] = {}
    for incident in recent:
        if incident.service_id is not None:
            by_service[incident.service_id].append(incident)
        for ci in incident.cis.all():
            by_ci[ci.pk].append(incident)
            ci_names[ci.pk] = ci.name
    storms = [
        _storm(SERVICE, service_id, incidents[0].service_name, incidents)
        for service_id, incidents in by_service.items()
        if len(incidents) >= settings.INCIDENT_STORM_CALLS
    ]
    shown = {incident.pk for storm in storms for incident in storm.incidents}
    storms += [
        _storm(CI, ci_id, ci_names[ci_id], incidents)
        for ci_id, incidents in by_ci.items()
        if len(incidents) >= settings.INCIDENT_STORM_CALLS and not {i.pk for i in incidents} <= shown
    ]
    storms.sort(key=lambda storm: (-len(storm.incidents), storm.first_reported_at))
    return storms


def storm_on(*, scope: str, scope_id: int, now: datetime.datetime | None = None) -> Storm | None:
    """The storm on one service or CI now, or ``None`` when there are too few recent calls for one."""
    incidents = scoped_candidates(scope=scope, scope_id=scope_id).filter(reported_at__gte=_window_start(now))
    found = list(incidents[:MAX_INCIDENTS])
    if len(found) < settings.INCIDENT_STORM_CALLS:
        return None
    if scope == SERVICE:
        name = found[0].service.name
    else:
        name = next(ci.name for ci in found[0].cis.all() if ci.pk == scope_id)
    return _storm(scope, scope_id, name, found)


def scoped_candidates(*, scope: str, scope_id: int) -> QuerySet[Incident]:
    """Open top-level incidents on this service or CI, whenever reported: what a master may gather."""
    if scope not in SCOPES:
        raise ValueError(f"unknown storm scope {scope!r}")
    return _candidates().filter(**({"service_id": scope_id} if scope == SERVICE else {"cis": scope_id}))


def _window_start(now: datetime.datetime | None) -> datetime.datetime:
    """Calls reported since then count towards a storm."""
    return (now or timezone.now()) - datetime.timedelta(minutes=settings.INCIDENT_STORM_MINUTES)


def _candidates(*, banner: bool = False) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(OPEN, parent__isnull=True)
    if banner:
        # During a storm of hundreds of calls, loading each whole took the pages under the banner 200 ms.
        incidents = incidents.only(*BANNER_FIELDS).annotate(service_name=F("service__name"))
    else:
        incidents = incidents.defer("search_vector", "symptoms").select_related("caller", "service")
    return (
        incidents.prefetch_related(
            Prefetch("cis", queryset=ConfigurationItem.objects.only("id", "name").order_by("name"))
        )
        .annotate(subordinate_count=Count("subordinates", distinct=True))
        .order_by("reported_at", "id")
    )


# The banners' statement, built once a process: its SQL differs only in the start of the window, and building it
# (the grouping for the subordinates' count) took 2 ms of processor time on every page under the banner.
_RECENT = CompiledQuery(
    lambda since: _candidates(banner=True).filter(reported_at__gte=since)[: MAX_INCIDENTS * 5],
    placeholder=MOMENT_PLACEHOLDER,
)


def _storm(scope: str, scope_id: int, name: str, incidents: list[Incident]) -> Storm:
    master = min(incidents, key=lambda i: (-i.subordinate_count, i.priority, i.reported_at, i.pk))
    return Storm(scope=scope, scope_id=scope_id, scope_name=name, incidents=tuple(incidents), master=master)
