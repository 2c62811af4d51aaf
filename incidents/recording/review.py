"""The review panel of an incident under investigation: what the knowledge base already knows about it.

Known errors ranked for the incident (``knowledge.matching``) and problems still open on the same CIs,
service or category. Any of them can be linked to the incident (``incidents.recording.details.incident_link``),
as can the changes on its CIs around the call, which the incident page lists once, in a section of their own
(``incidents.pages.incident``). A fixed number of queries whatever is found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from incidents.choices import State
from incidents.models import Incident
from incidents.recording.details import may_edit
from incidents.recording.meaning import stored_vector
from knowledge.choices import ProblemState
from knowledge.matching import KnownErrorMatch, known_error_matches
from knowledge.models import Problem

OPEN_PROBLEM_STATES = (ProblemState.OPEN, ProblemState.KNOWN_ERROR)
LIMIT = 5


@dataclass(frozen=True, slots=True)
class Review:
    known_errors: list[KnownErrorMatch]
    problems: list[Problem]

    def __bool__(self) -> bool:
        return bool(self.known_errors or self.problems)


def incident_review(incident: Incident) -> Review:
    """What to look at for ``incident`` (its CIs must be loaded: ``incident.cis.all()``)."""
    ci_ids = [ci.pk for ci in incident.cis.all()]
    related = Q(pk__in=[])
    if ci_ids:
        related |= Q(cis__in=ci_ids)
    if incident.service_id:
        related |= Q(services=incident.service_id)
    if incident.category_id:
        related |= Q(category=incident.category_id)
    problems = list(
        Problem.objects.filter(related, state__in=OPEN_PROBLEM_STATES).distinct().order_by("-created_at")[:LIMIT]
    )
    return Review(known_errors=incident_known_errors(incident), problems=problems)


def incident_known_errors(incident: Incident) -> list[KnownErrorMatch]:
    """The published known errors ranked for ``incident``, best first (its CIs must be loaded): the review
    panel's, and the ones the classification and the first-line fix offer. Its stored vector stands for the
    meaning of its words, when it has one of them as they are now (read with the incident by the incident page,
    ``meaning.with_stored_vector``)."""
    return known_error_matches(
        text=f"{incident.short_description} {incident.symptoms}",
        vector=stored_vector(incident),
        service_id=incident.service_id,
        ci_ids=[ci.pk for ci in incident.cis.all()],
        category_id=incident.category_id,
        limit=LIMIT,
    )


def may_promote(incident: Incident, user: Any) -> bool:
    """A resolved incident, by someone who writes known errors and may link records to the incident."""
    return (
        incident.state == State.RESOLVED
        and incident.known_error_id is None
        and user.has_perm("knowledge.add_knownerror")
        and may_edit(incident, user)
    )
