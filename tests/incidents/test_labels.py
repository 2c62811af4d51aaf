"""The choice labels of incidents and journal entries are those Django would show, found without building the
choices on each call (servicedesk.labels)."""

from __future__ import annotations

import pytest
from django.db.models.base import Model

from incidents.choices import ActivityKind, Channel, Impact, Priority, State, Urgency
from incidents.models import Activity, Incident

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


def test_a_journal_entrys_kind_is_said_as_django_would_say_it():
    field = Activity._meta.get_field("kind")
    for kind in ActivityKind.values:
        entry = Activity(kind=kind)

        assert entry.get_kind_display() == Model._get_FIELD_display(entry, field)
    assert Activity(kind="retired_kind").get_kind_display() == "retired_kind"
