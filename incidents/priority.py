"""The priority matrix: impact and urgency give the priority. Pure rules, no database access.

The matrix the desk uses is configurable (``PriorityRule`` rows, edited in the admin); ``DEFAULT_MATRIX``
is the ITIL textbook one that the migration installs and that applies to any combination without a row.
"""

from __future__ import annotations

from collections.abc import Mapping

from incidents.choices import Impact, Priority, Urgency

Matrix = Mapping[tuple[int, int], int]

DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (Impact.HIGH, Urgency.HIGH): Priority.CRITICAL,
    (Impact.HIGH, Urgency.MEDIUM): Priority.HIGH,
    (Impact.HIGH, Urgency.LOW): Priority.MEDIUM,
    (Impact.MEDIUM, Urgency.HIGH): Priority.HIGH,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.MEDIUM,
    (Impact.MEDIUM, Urgency.LOW): Priority.LOW,
    (Impact.LOW, Urgency.HIGH): Priority.MEDIUM,
    (Impact.LOW, Urgency.MEDIUM): Priority.LOW,
    (Impact.LOW, Urgency.LOW): Priority.PLANNING,
}


def priority_for(impact: int, urgency: int, matrix: Matrix | None = None) -> Priority:
    """The priority of an incident of this impact and urgency under ``matrix`` (the default otherwise).

    Raises ``ValueError`` for an impact or urgency outside the scale.
    """
    if impact not in Impact.values or urgency not in Urgency.values:
        raise ValueError(f"impact {impact!r} and urgency {urgency!r} must be 1 (high) to 3 (low)")
    table = {**DEFAULT_MATRIX, **(matrix or {})}
    return Priority(table[(impact, urgency)])


def raise_to(current: int, proposed: int) -> int:
    """Raising impact or urgency never lowers it: 1 is the highest, so the smaller value wins."""
    return min(current, proposed)


def serious_at(priority: int, *, serious: bool) -> bool:
    """The top priority is a major incident whoever sets it (recording, classification, a raise, a
    re-evaluation); once serious, an incident stays serious."""
    return serious or priority == Priority.CRITICAL
