"""Checks of the input every write shares, gathered by field so that one refusal names every wrong field."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.choices import Impact, Urgency

# Time spent is recorded per step or entry: more than a day on one is a typo.
MAX_MINUTES = 24 * 60

Errors = dict[str, list[str]]


def check_minutes(errors: Errors, minutes_spent: int) -> None:
    """The time spent on a step or a journal entry: whole minutes, from none to a whole day."""
    if not 0 <= minutes_spent <= MAX_MINUTES:
        errors["minutes_spent"] = [
            _("Time spent is counted in minutes, from 0 to %(max)s (a whole day).") % {"max": MAX_MINUTES}
        ]


def check_scales(errors: Errors, *, impact: int, urgency: int) -> None:
    """Impact and urgency, each on the desk's scale from high (1) to low (3)."""
    if impact not in Impact.values:
        errors["impact"] = [_("Choose an impact from high (1) to low (3).")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency from high (1) to low (3).")]


def raise_if(errors: Errors) -> None:
    """Refuse with every field's messages at once; nothing has been written when this raises."""
    if errors:
        raise ValidationError(errors)
