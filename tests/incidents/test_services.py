"""Recording at the service desk: numbers, priority, who may record, bad input, added calls, subordinates."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, Priority, State, Urgency
from incidents.core.stale import StaleIncident
from incidents.lifecycle import classification
from incidents.models import Activity, Incident, PriorityRule
from incidents.priority import priority_for
from incidents.recording import calls
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, LocationFactory, ServiceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def record(by, **overrides):
    values = {
        "by": by,
        "caller": overrides.pop("caller", None) or ContactFactory(),
        "short_description": "VPN does not connect",
        "symptoms": "It says authentication failed since I changed my password.",
        "occurred_at": timezone.now() - datetime.timedelta(minutes=20),
        "impact": Impact.LOW,
        "urgency": Urgency.MEDIUM,
    }
    return calls.incident_record(**{**values, **overrides})


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [(1, 1, Priority.CRITICAL), (1, 3, Priority.MEDIUM), (2, 2, Priority.MEDIUM), (3, 3, Priority.PLANNING)],
)
def test_the_default_matrix(impact, urgency, priority):
    assert priority_for(impact, urgency) == priority


def test_the_matrix_rejects_values_off_the_scale():
    with pytest.raises(ValueError, match="must be 1"):
        priority_for(0, 2)


def test_recording_numbers_the_incident_journals_it_and_follows_the_configured_matrix(operator):
    PriorityRule.objects.filter(impact=Impact.LOW, urgency=Urgency.MEDIUM).update(priority=Priority.MEDIUM)
    workplace = LocationFactory()
    ci = ConfigurationItemFactory(name="vpn-gw-01")

    incident = record(operator, caller=ContactFactory(workplace=workplace), cis=[ci])

    assert incident.number.startswith("INC") and len(incident.number) == 10
    assert incident.state == State.RECORDED
    assert incident.priority == Priority.MEDIUM  # the desk's matrix, not the textbook's P4
    assert incident.location == workplace
    assert incident.desk_owner == operator
    entry = incident.journal.get()
    assert (entry.kind, entry.author, entry.data["cis"]) == (ActivityKind.RECORDED, operator, ["vpn-gw-01"])


def test_support_members_cannot_record(support_member):
    with pytest.raises(PermissionDenied, match="Only the service desk records incidents"):
        record(support_member)

    assert not Incident.objects.exists()


def test_a_support_member_who_also_works_on_the_desk_may_record():
    both = UserFactory(roles=["Support", "Service desk"])

    assert record(both).desk_owner == both


def test_bad_input_is_refused_by_field_and_nothing_is_saved(operator):
    with pytest.raises(ValidationError) as error:
        record(operator, occurred_at=timezone.now() + datetime.timedelta(hours=2), impact=7, urgency=0)

    assert set(error.value.message_dict) == {"occurred_at", "impact", "urgency"}
    assert not Incident.objects.exists()
    assert not Activity.objects.exists()


def test_an_inactive_caller_is_refused(operator):
    with pytest.raises(ValidationError) as error:
        record(operator, caller=ContactFactory(active=False))

    assert error.value.message_dict["caller"] == ["This caller is no longer active."]


def test_a_subordinate_is_journaled_on_both_incidents(operator):
    master = record(operator, short_description="E-mail down for the whole Rotterdam site")

    subordinate = record(operator, parent=master)

    assert subordinate.parent == master
    entry = master.journal.get(kind=ActivityKind.SUBORDINATE_RECORDED)
    assert entry.data["subordinate"] == subordinate.number


def test_a_subordinate_and_the_calls_added_to_it_count_on_its_master(operator):
    master = record(operator, affected_users=3)

    subordinate = record(operator, parent=master, affected_users=5)
    calls.incident_add_call(
        by=operator, incident_id=subordinate.pk, caller=ContactFactory(), symptoms="Me too.", affected_users=2
    )

    master.refresh_from_db()
    subordinate.refresh_from_db()
    assert (master.affected_users, subordinate.affected_users) == (10, 7)
    recorded = master.journal.get(kind=ActivityKind.SUBORDINATE_RECORDED)
    assert recorded.data["affected_users"] == [3, 8]
    counted = master.journal.get(kind=ActivityKind.FIELD_CHANGED)
    assert (counted.data["affected_users"], counted.incident_version) == ([8, 10], master.version)
    assert subordinate.number in counted.text


def test_a_form_opened_on_the_master_before_its_count_grew_is_refused_saying_why(operator, vpn):
    master = record(operator)
    opened_at = master.version
    subordinate = record(operator, parent=master)
    calls.incident_add_call(by=operator, incident_id=subordinate.pk, caller=ContactFactory(), symptoms="Me too.")

    with pytest.raises(StaleIncident) as refused:
        classification.incident_classify(
            by=operator, incident_id=master.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.MEDIUM,
            expected_version=opened_at,
        )  # fmt: skip

    told = " ".join(refused.value.messages)
    assert f"recorded {subordinate.number} under it" in told
    assert f"counted a call added to {subordinate.number}" in told


def test_adding_a_call_grows_the_count_and_may_only_raise_the_priority(operator):
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.MEDIUM)
    other_caller = ContactFactory(first_name="Piet", last_name="Bakker")

    calls.incident_add_call(
        by=operator, incident_id=incident.pk, caller=other_caller, symptoms="Same here.", affected_users=3,
        impact=Impact.MEDIUM, urgency=Urgency.LOW,
    )  # fmt: skip

    incident.refresh_from_db()
    assert incident.affected_users == 4
    assert (incident.impact, incident.urgency, incident.priority) == (Impact.MEDIUM, Urgency.MEDIUM, Priority.MEDIUM)
    kinds = list(incident.journal.values_list("kind", flat=True))
    assert kinds == [ActivityKind.RECORDED, ActivityKind.CALL_ADDED, ActivityKind.NOTIFICATION,
                     ActivityKind.PRIORITY_CHANGED]  # fmt: skip
    assert incident.journal.get(kind=ActivityKind.CALL_ADDED).data["caller"] == "Piet Bakker"
    # Piet is one of the incident's people from now on, and was told its number.
    told = incident.journal.get(kind=ActivityKind.NOTIFICATION)
    assert told.data["notice"] == "call_added" and told.data["recipients"] == [other_caller.email]


def test_raising_only_the_impact_journals_no_urgency(operator):
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.LOW)

    calls.incident_add_call(
        by=operator, incident_id=incident.pk, caller=ContactFactory(), symptoms="Same here.", impact=Impact.MEDIUM
    )

    raised = incident.journal.get(kind=ActivityKind.PRIORITY_CHANGED)
    changed = {name: pair for name, pair in raised.data.items() if not name.endswith("_due_at")}
    assert changed == {"impact": [Impact.LOW, Impact.MEDIUM], "priority": [Priority.PLANNING, Priority.LOW]}


def test_a_call_cannot_be_added_to_a_resolved_incident(operator):
    resolved = Incident.objects.create(
        state=State.RESOLVED, caller=ContactFactory(), desk_owner=operator, short_description="Old",
        occurred_at=timezone.now(), reported_at=timezone.now(),
    )  # fmt: skip

    with pytest.raises(ValidationError, match="is no longer open"):
        calls.incident_add_call(by=operator, incident_id=resolved.pk, caller=ContactFactory(), symptoms="x")


def test_the_journal_cannot_be_rewritten(operator):
    entry = record(operator).journal.get()

    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_the_state_cannot_be_assigned_directly(operator):
    incident = record(operator)

    with pytest.raises(AttributeError):
        incident.state = State.CLOSED
    incident.refresh_from_db()  # works with the protected field (FSMModelMixin)
    assert incident.state == State.RECORDED


@pytest.mark.django_db(transaction=True)
def test_two_desks_recording_at_once_get_different_numbers():
    operator = UserFactory(roles=["Service desk"])
    callers = [ContactFactory(), ContactFactory()]
    ServiceFactory()
    barrier = threading.Barrier(2)
    numbers: list[str] = []

    def record_in_its_own_transaction(caller) -> None:
        try:
            with transaction.atomic():
                incident = record(operator, caller=caller)
                barrier.wait(timeout=10)  # both inserts are in flight before either commits
                numbers.append(incident.number)
        finally:
            connection.close()

    threads = [threading.Thread(target=record_in_its_own_transaction, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(numbers) == 2
    assert len(set(numbers)) == 2
    assert set(Incident.objects.values_list("number", flat=True)) == set(numbers)


def test_a_call_that_raises_an_incident_to_the_top_priority_makes_it_serious(operator):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    assert not incident.serious

    calls.incident_add_call(
        by=operator, incident_id=incident.pk, caller=ContactFactory(), symptoms="The whole floor is down.",
        impact=Impact.HIGH, urgency=Urgency.HIGH,
    )  # fmt: skip

    incident.refresh_from_db()
    assert (incident.priority, incident.serious) == (Priority.CRITICAL, True)
    assert incident.journal.get(kind=ActivityKind.PRIORITY_CHANGED).data["serious"] == [False, True]
    assert incident.serious_notices_pending


def test_a_serious_incident_below_the_top_priority_needs_a_reason_which_is_journaled(operator):
    caller = ContactFactory()
    values = {"by": operator, "caller": caller, "short_description": "Payroll export fails", "serious": True,
              "occurred_at": timezone.now(), "impact": Impact.MEDIUM, "urgency": Urgency.MEDIUM}  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        calls.incident_record(**values)
    assert "set impact and urgency to high, or say why it stays P3" in refused.value.message_dict["serious_reason"][0]
    assert not Incident.objects.exists()

    incident = calls.incident_record(**values, serious_reason="Only the payroll team, but pay day is tomorrow.")
    assert (incident.serious, incident.priority) == (True, 3)
    recorded = incident.journal.get(kind=ActivityKind.RECORDED)
    assert recorded.data["serious_reason"] == "Only the payroll team, but pay day is tomorrow."

    top = calls.incident_record(**{**values, "impact": Impact.HIGH, "urgency": Urgency.HIGH})
    assert (top.serious, top.priority) == (True, 1)  # the top priority needs no reason
