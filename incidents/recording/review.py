"""The review panel of an incident under investigation: what the knowledge base already knows about it.

Known errors ranked for the incident (``knowledge.matching``) and problems still open on the same CIs,
service or category. Any of them can be linked to the incident (``incidents.recording.details.incident_link``),
as can the changes on its CIs around the call, which the incident page lists once, in a section of their own
(``incidents.pages.incident``). A fixed number of queries whatever is found.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q

from incidents.choices import State
from incidents.models import Incident
from incidents.recording.details import may_edit
from incidents.recording.meaning import stored_vector
from knowledge.choices import ProblemState
from knowledge.matching import KnownErrorMatch, known_error_matches
from knowledge.models import Problem
from servicedesk.compiled import ID_PLACEHOLDER, IDS_PLACEHOLDER, AnyOf, CompiledQuery

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
    given = [value for value in (ci_ids, incident.service_id, incident.category_id) if value]
    shape = (bool(ci_ids), bool(incident.service_id), bool(incident.category_id))
    problems = _open_problems(*shape).rows(*given) if given else []
    return Review(known_errors=incident_known_errors(incident), problems=problems)


# Stands for a category's id (a value within any integer column's range that no category has) in ``_open_problems``.
_CATEGORY_PLACEHOLDER = -32_001


@functools.cache
def _open_problems(cis: bool, service: bool, category: bool) -> CompiledQuery:
    """The open problems on any of an incident's CIs, its service or its category (those it has), the newest
    first: a statement built once a process for each of those shapes (servicedesk.compiled), as every open incident's
    page reads them; Django built it each time. Takes the CIs' ids, the service's and the category's, those it has
    (at least one)."""
    shapes = ((cis, IDS_PLACEHOLDER), (service, ID_PLACEHOLDER), (category, _CATEGORY_PLACEHOLDER))
    placeholders = tuple(placeholder for present, placeholder in shapes if present)

    def build(*values: Any) -> Any:
        given = iter(values)
        parts = []
        if cis:
            parts.append(Q(AnyOf(F("cis"), next(given))))
        if service:
            parts.append(Q(services=next(given)))
        if category:
            parts.append(Q(category=next(given)))
        related = functools.reduce(operator.or_, parts)
        problems = Problem.objects.filter(related, state__in=OPEN_PROBLEM_STATES).distinct()
        return problems.order_by("-created_at")[:LIMIT]

    return CompiledQuery(build, placeholders=placeholders)


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
