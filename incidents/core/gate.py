"""The serious-incident gate: while a serious incident's management notice or user information is pending,
only what is listed here may happen to it; every write asks (decision record 0016)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from incidents.models import Incident

# What may happen to a serious incident before both notices are out: the notices themselves, internal work
# notes (people must write down what they do), taking in further calls (a major incident is when they come,
# and no caller may be lost), choosing who is kept informed (before the users are), linking what is known
# about it (problem management often starts during a major incident), the caller's own answers, and the
# system's bookkeeping (the sweep, the clock).
WHILE_NOTICES_PENDING = frozenset(
    {
        "notify_management",
        "inform_users",
        "add_note",
        "add_call",
        "keep_informed",
        "record_subordinate",
        "attach_to_master",
        "accept_impact",
        "link",
        "caller_reply",
        "confirm",
    }
)

GATE_REFUSAL = gettext_lazy("%(number)s is a serious incident: notify management and inform the affected users first.")


def gate_open(incident: Incident, action: str) -> bool:
    """Whether ``action`` may happen to the incident now (the pages ask before they offer it)."""
    return action in WHILE_NOTICES_PENDING or not incident.serious_notices_pending


def ensure_gate_open(incident: Incident, action: str) -> None:
    """Refuse ``action`` on a serious incident whose notices are pending, unless the gate lets it through.

    Raises ``ValidationError`` (code ``notices_sent``) with the sentence the desk reads."""
    if not gate_open(incident, action):
        raise ValidationError(GATE_REFUSAL % {"number": incident.number}, code="notices_sent")
