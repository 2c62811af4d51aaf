"""The incident's choice labels are those Django would show, found without building the choices each time."""

from __future__ import annotations

import pytest
from django.db.models.base import Model

from incidents.choices import Channel, Impact, Priority, State, Urgency
from incidents.models import Incident

FIELDS = {"state": State, "priority": Priority, "impact": Impact, "urgency": Urgency, "channel": Channel}


@pytest.mark.parametrize("name", FIELDS)
def test_every_label_is_the_one_django_would_show(name):
    field = Incident._meta.get_field(name)
    for value in FIELDS[name].values:
        incident = Incident(**{name: value})

        shown = getattr(incident, f"get_{name}_display")()

        assert type(shown) is str and shown == Model._get_FIELD_display(incident, field)


def test_a_value_no_longer_among_the_choices_shows_as_it_is():
    incident = Incident(state="archived", priority=9)

    assert incident.get_state_display() == "archived" and incident.get_priority_display() == 9
