"""Classifying a recorded incident: category, impact and urgency, and the priority that follows."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from incidents import selectors
from incidents.choices import ActivityKind
from incidents.core.checks import Errors, check_minutes, check_scales, raise_if
from incidents.core.values import diff, values_of
from incidents.core.writes import incident_lock, incident_save, journal_write
from incidents.lifecycle.rules import ensure_step, transition
from incidents.models import Incident
from incidents.priority import priority_for
from incidents.servicelevels import clock
from knowledge.models import Category


@transaction.atomic
def incident_classify(
    *,
    by: AbstractBaseUser,
    incident_id: int,
    category: Category | None,
    impact: int,
    urgency: int,
    minutes_spent: int = 0,
    expected_version: int | None = None,
) -> Incident:
    """Classify a recorded incident: category, impact and urgency; the priority follows from the desk's matrix.

    The top priority makes the incident serious (as at recording), so its notices are due before the next
    step. Raises ``PermissionDenied`` for anyone but the desk, ``ValidationError`` for a retired or
    missing category or a value off the scale, ``StaleIncident`` for a stale form.
    """
    incident = incident_lock(incident_id, expected_version=expected_version)
    ensure_step(incident, "classify", by)
    errors: Errors = {}
    if category is None:
        errors["category"] = [_("Choose a category.")]
    elif not category.active:
        errors["category"] = [_("%(category)s is retired; choose a current category.") % {"category": category}]
    check_scales(errors, impact=impact, urgency=urgency)
    check_minutes(errors, minutes_spent)
    raise_if(errors)

    fields = ["state", "category", "impact", "urgency", "priority", "serious"]
    before = values_of(incident, fields)
    priority = priority_for(impact, urgency, selectors.priority_matrix())
    transition(incident, "classify", category=category, impact=impact, urgency=urgency, priority=priority)
    due_times = {}
    if before["priority"] != incident.priority:
        due_times = clock.clock_recompute(incident=incident, reason=_("The priority changed at classification."))
    incident_save(incident, fields)
    journal_write(
        incident,
        by=by,
        kind=ActivityKind.STATE_CHANGED,
        data={
            "step": "classify",
            **diff(before, values_of(incident, fields), always=("state", "category", "priority")),
            **due_times,
        },
        minutes_spent=minutes_spent,
        versioned=True,
    )
    return incident
