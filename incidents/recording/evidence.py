"""The impact a master incident's evidence suggests: how many are calling about it, and what it hits. A proposal
only: the operator accepts it or ignores it (decision record 0013)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cmdb.choices import Criticality
from incidents.choices import OPEN_STATES, ActivityKind, Impact
from incidents.models import OPEN, Activity, Incident
from servicedesk.compiled import IDS_PLACEHOLDER, AnyOf, CompiledQuery

if TYPE_CHECKING:
    from incidents.recording.similar import SimilarIncident

HIGH_CALLERS = 10
HIGH_USERS = 50
MEDIUM_CALLERS = 3
MEDIUM_USERS = 10
CRITICAL_SERVICE_CALLERS = 2


@dataclass(frozen=True, slots=True)
class Evidence:
    """What is known about the reach of an incident and its subordinates: the different callers of them all
    and of the calls added to them, and the master's affected users, which count its subordinates'."""

    subordinates: int
    caller_ids: frozenset[int]
    affected_users: int
    criticality: str | None

    @property
    def callers(self) -> int:
        return len(self.caller_ids)

    def with_subordinate(self, *, caller_id: int | None, affected_users: int = 1) -> Evidence:
        """The evidence once this call is recorded as a subordinate (shown before it is saved)."""
        caller_ids = self.caller_ids | {caller_id} if caller_id else self.caller_ids
        return Evidence(self.subordinates + 1, caller_ids, self.affected_users + affected_users, self.criticality)


@dataclass(frozen=True, slots=True)
class ImpactProposal:
    impact: Impact
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(self.impact.label)


def propose_impact(evidence: Evidence, current: int) -> ImpactProposal | None:
    """The impact the evidence supports, with the reasons, when it is higher than ``current``."""
    for impact, callers, users, criticality in (
        (Impact.HIGH, HIGH_CALLERS, HIGH_USERS, Criticality.CRITICAL),
        (Impact.MEDIUM, MEDIUM_CALLERS, MEDIUM_USERS, Criticality.HIGH),
    ):
        if impact >= current:
            return None
        reasons = []
        if evidence.callers >= callers:
            reasons.append(ngettext("%(count)d different caller", "%(count)d different callers", evidence.callers)
                           % {"count": evidence.callers})  # fmt: skip
        if evidence.affected_users >= users:
            reasons.append(_("%(count)d affected users") % {"count": evidence.affected_users})
        if evidence.criticality == criticality and evidence.callers >= CRITICAL_SERVICE_CALLERS:
            reasons.append(
                _("a service of %(criticality)s criticality, %(count)d callers")
                % {"criticality": Criticality(criticality).label.lower(), "count": evidence.callers}
            )
        if reasons:
            if evidence.subordinates:
                reasons.append(ngettext("%(count)d subordinate", "%(count)d subordinates", evidence.subordinates)
                               % {"count": evidence.subordinates})  # fmt: skip
            return ImpactProposal(impact=impact, reasons=tuple(reasons))
    return None


def incident_evidence(incidents: Iterable[Incident]) -> dict[int, Evidence]:
    """The evidence of each of these incidents, by id (two queries whatever their number).

    Each incident needs ``caller_id``, ``affected_users`` and, for the criticality, ``service`` loaded.
    """
    masters = {incident.pk: incident for incident in incidents}
    if not masters:
        return {}
    subordinates = list(
        Incident.objects.filter(OPEN, parent_id__in=masters).values_list("pk", "parent_id", "caller_id")
    )
    return _evidence(masters, subordinates)


def evidence_of_read(incident: Incident) -> Evidence:
    """The evidence of one incident read with its subordinates, as its page reads it (one query: the calls added)."""
    subordinates = [
        (subordinate.pk, incident.pk, subordinate.caller_id)
        for subordinate in incident.subordinates.all()
        if subordinate.state in OPEN_STATES
    ]
    return _evidence({incident.pk: incident}, subordinates)[incident.pk]


def _evidence(masters: dict[int, Incident], subordinates: list[tuple[int, int, int]]) -> dict[int, Evidence]:
    """From the masters and their open subordinates (id, master's id, caller's id): one query, the calls added."""
    owner = {pk: pk for pk in masters} | {pk: parent for pk, parent, _caller in subordinates}
    callers: dict[int, set[int]] = {pk: {incident.caller_id} for pk, incident in masters.items()}
    counts: dict[int, int] = defaultdict(int)
    for _pk, parent, caller in subordinates:
        callers[parent].add(caller)
        counts[parent] += 1
    for call in _CALLS_ADDED.rows(list(owner)):
        if isinstance(call.data, dict) and call.data.get("caller_id"):
            callers[owner[call.incident_id]].add(call.data["caller_id"])
    return {
        pk: Evidence(
            subordinates=counts[pk],
            caller_ids=frozenset(callers[pk]),
            # The master's own count holds its subordinates' and their calls' (counted as they joined).
            affected_users=incident.affected_users,
            criticality=incident.service.criticality if incident.service_id else None,
        )
        for pk, incident in masters.items()
    }


# The calls added to some incidents, built once a process (servicedesk.compiled): every open incident's page reads them.
_CALLS_ADDED = CompiledQuery(
    lambda ids: Activity.objects.filter(AnyOf(F("incident_id"), ids), kind=ActivityKind.CALL_ADDED).only(
        "incident_id", "data"
    ),
    placeholder=IDS_PLACEHOLDER,
)


@dataclass(frozen=True, slots=True)
class SimilarWithMaster:
    """A similar open incident as the logging page offers it: the incident a subordinate would go under (its
    master when it is itself a subordinate), and the impact that master's evidence would propose with this call."""

    match: SimilarIncident
    master: Incident | None
    proposal: ImpactProposal | None


def with_masters(matches: list[SimilarIncident], *, caller_id: int | None) -> list[SimilarWithMaster]:
    """Each match with its master and the master's proposed impact, this call counted (three queries whatever the
    number of matches; the state is read with the rest, since the lifecycle's concurrency guard reads it on load)."""
    master_ids = {match.incident.parent_id or match.incident.pk for match in matches}
    masters = {
        incident.pk: incident
        for incident in Incident.objects.filter(pk__in=master_ids)
        .only("id", "number", "state", "caller_id", "affected_users", "impact", "service__criticality")
        .select_related("service")
    }
    found = incident_evidence(masters.values())
    rows = []
    for match in matches:
        master = masters.get(match.incident.parent_id or match.incident.pk)
        proposal = None
        if master is not None:
            proposal = propose_impact(found[master.pk].with_subordinate(caller_id=caller_id), master.impact)
        rows.append(SimilarWithMaster(match=match, master=master, proposal=proposal))
    return rows
