"""The incident page's people panel: who is kept informed and why, and the form to add someone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from incidents.callers.people import CALLER, Person, people_of_read
from incidents.choices import State
from incidents.core.gate import gate_open
from incidents.forms.people import KeepInformedForm
from incidents.models import Incident, PersonReason, may_handle


@dataclass(frozen=True)
class PersonRow:
    person: Person
    why: str
    removable: bool


def people_panel(incident: Incident, user: Any) -> dict[str, Any]:
    """The people of the incident (its subordinates' too), and for who may change them, the form; from the
    incident as its page reads it (its caller, and its subordinates with theirs): one query, the people added."""
    may_change = may_handle(incident, user) and incident.state != State.CLOSED and gate_open(incident, "keep_informed")
    subordinates = incident.subordinates.all()
    numbers = {incident.pk: incident.number} | {subordinate.pk: subordinate.number for subordinate in subordinates}
    rows = [
        PersonRow(
            person,
            _why(person, numbers, own=person.incident_id == incident.pk),
            may_change and person.row_id is not None and person.incident_id == incident.pk,
        )
        for person in people_of_read(incident, subordinates)
    ]
    return {"people": rows, "people_form": KeepInformedForm(prefix="people") if may_change else None}


def _why(person: Person, numbers: dict[int, str], *, own: bool) -> str:
    if person.reason == CALLER:
        return _("Caller") if own else _("Caller of %(number)s") % {"number": numbers.get(person.incident_id, "")}
    label = str(PersonReason(person.reason).label)
    return label if own else _("%(why)s (%(number)s)") % {"why": label, "number": numbers.get(person.incident_id, "")}
