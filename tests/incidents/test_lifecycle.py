"""The incident lifecycle: who may take which step, what each step records, the serious-incident gate,
subordinates following their master, automatic closure and stale forms."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import has_transition_perm

from cmdb.choices import SupportTier
from incidents.choices import ActivityKind, ClosureReason, Impact, Priority, ResolutionCode, State, Urgency, Visibility
from incidents.core import stale
from incidents.lifecycle import classification, closure, escalation, notices, resolution, rules
from incidents.models import Activity, Incident
from incidents.recording import calls
from tests.cmdb.factories import ChangeFactory, ContactFactory, SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory, RootCauseFactory
from tests.incidents.workflow import classified, closed, investigating, record, resolved, send_serious_notices
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory, ProblemFactory

pytestmark = pytest.mark.django_db

SERIOUS = "is a serious incident: notify management and inform the affected users first."


def steps(incident, user):
    return rules.available_steps(incident=Incident.objects.get(pk=incident.pk), user=user)


def lifecycle_entries(incident):
    return list(incident.journal.exclude(incident_version=None).order_by("id"))


# --- classification -----------------------------------------------------------------------------------


def test_the_desk_classifies_a_recorded_incident_and_the_priority_follows_the_matrix(operator, vpn):
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.MEDIUM)

    classified_incident = classification.incident_classify(
        by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM, urgency=Urgency.HIGH,
        minutes_spent=3, expected_version=incident.version,
    )  # fmt: skip

    incident.refresh_from_db()
    assert classified_incident.pk == incident.pk
    assert (incident.state, incident.category, incident.priority) == (State.CLASSIFIED, vpn, Priority.HIGH)
    assert incident.version == 2
    entry = incident.journal.get(kind=ActivityKind.STATE_CHANGED)
    assert (entry.author, entry.incident_version, entry.minutes_spent) == (operator, 2, 3)
    # The new priority's due times are journaled with it (incidents.sla; tests/incidents/test_service_levels.py).
    due_times = {name: entry.data.pop(name) for name in ("response_due_at", "resolution_due_at")}
    assert due_times["resolution_due_at"][1] < due_times["resolution_due_at"][0]
    assert entry.data == {
        "step": "classify",
        "state": ["recorded", "classified"],
        "category": [None, "VPN"],
        "impact": [Impact.LOW, Impact.MEDIUM],
        "urgency": [Urgency.MEDIUM, Urgency.HIGH],
        "priority": [Priority.LOW, Priority.HIGH],
    }


def test_classifying_journals_only_what_changed_and_the_priority_it_was_classified_at(operator, vpn):
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.MEDIUM)

    classification.incident_classify(
        by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.MEDIUM
    )

    entry = incident.journal.get(kind=ActivityKind.STATE_CHANGED)
    # The priority stays on the entry (a stale form tells "classified it as VPN, P4"); the page does not list
    # it as a change (tests/incidents/test_journal.py).
    assert entry.data == {
        "step": "classify",
        "state": ["recorded", "classified"],
        "category": [None, "VPN"],
        "priority": [Priority.LOW, Priority.LOW],
    }


def test_classifying_at_the_top_priority_makes_the_incident_serious(operator, vpn):
    incident = record(operator)

    incident = classification.incident_classify(
        by=operator, incident_id=incident.pk, category=vpn, impact=Impact.HIGH, urgency=Urgency.HIGH
    )

    assert incident.serious and incident.serious_notices_pending
    assert incident.journal.get(kind=ActivityKind.STATE_CHANGED).data["serious"] == [False, True]


def test_a_support_member_cannot_classify(operator, support_member, vpn):
    incident = record(operator)

    with pytest.raises(PermissionDenied, match=f"Only the service desk may classify {incident.number}"):
        classification.incident_classify(
            by=support_member, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.LOW
        )


def test_bad_classification_is_refused_by_field_and_nothing_is_written(operator):
    incident = record(operator)
    retired = CategoryFactory(name="Fax machine", active=False)

    with pytest.raises(ValidationError) as error:
        classification.incident_classify(by=operator, incident_id=incident.pk, category=retired, impact=0, urgency=9)

    assert set(error.value.message_dict) == {"category", "impact", "urgency"}
    assert error.value.message_dict["category"] == ["Fax machine is retired; choose a current category."]
    incident.refresh_from_db()
    assert (incident.state, incident.version, incident.category) == (State.RECORDED, 1, None)
    assert incident.journal.count() == 1


def test_a_step_the_state_does_not_allow_is_refused_with_a_message(operator, vpn):
    incident = record(operator)

    with pytest.raises(ValidationError, match=f"{incident.number} is recorded: only resolved incidents can be closed"):
        closed(operator, incident, root_cause_category=vpn)
    classified_incident = classified(operator, vpn)
    with pytest.raises(ValidationError, match="is classified: only recorded incidents can be classified"):
        classification.incident_classify(
            by=operator, incident_id=classified_incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.LOW
        )


# --- resolution at first line -------------------------------------------------------------------------


def test_the_desk_resolves_at_first_line_with_a_known_error_and_counts_its_use(operator, vpn):
    incident = classified(operator, vpn)
    known_error = KnownErrorFactory(published=True, workaround="Reset the VPN profile and sign in again.")

    resolved_incidents = resolution.incident_resolve_at_first_line(
        by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND,
        resolution_notes="We reset your VPN profile; it works again.", known_error=known_error,
    )  # fmt: skip

    incident.refresh_from_db()
    assert resolved_incidents == [incident]
    assert incident.state == State.RESOLVED
    assert incident.known_error == known_error
    assert incident.workaround == "Reset the VPN profile and sign in again."
    assert incident.resolution_code == ResolutionCode.WORKAROUND
    assert incident.resolved_at is not None
    known_error.refresh_from_db()
    assert known_error.times_used == 1 and known_error.last_used_at is not None
    entry = lifecycle_entries(incident)[-1]
    assert entry.visibility == Visibility.CUSTOMER
    assert entry.text == "We reset your VPN profile; it works again."
    assert entry.data["state"] == ["classified", "resolved"]
    assert entry.data["known_error"] == [None, str(known_error)]


def test_an_unpublished_known_error_is_refused_and_its_figures_stay(operator, vpn):
    incident = classified(operator, vpn)
    draft = KnownErrorFactory(published=False)

    with pytest.raises(ValidationError) as error:
        resolution.incident_resolve_at_first_line(
            by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND, resolution_notes="",
            known_error=draft,
        )  # fmt: skip

    assert set(error.value.message_dict) == {"known_error", "resolution_notes"}
    draft.refresh_from_db()
    assert draft.times_used == 0
    assert Incident.objects.get(pk=incident.pk).state == State.CLASSIFIED


def test_a_support_member_cannot_resolve_at_first_line(operator, support_member, vpn):
    incident = classified(operator, vpn)

    with pytest.raises(PermissionDenied, match=rf"Only the service desk may resolve {incident.number} at first line"):
        resolution.incident_resolve_at_first_line(
            by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND,
            resolution_notes="Fixed.",
        )  # fmt: skip


# --- escalation, acknowledgement, assignment ---------------------------------------------------------


def test_escalation_across_tiers_keeps_the_desk_as_owner_and_starts_a_new_handoff(
    operator, support_member, network, third_line, vpn
):
    incident = investigating(operator, vpn, network)
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    escalation.incident_assign(by=support_member, incident_id=incident.pk, assignee=support_member)

    escalation.incident_escalate(
        by=support_member, incident_id=incident.pk, group=third_line, reason="RADIUS needs an engineer."
    )

    incident.refresh_from_db()
    assert incident.state == State.INVESTIGATING
    assert incident.desk_owner == operator
    assert incident.assigned_group == third_line
    assert incident.assignee is None and incident.acknowledged_at is None
    first, second = incident.journal.filter(kind=ActivityKind.ESCALATED).order_by("id")
    assert first.data["state"] == ["classified", "investigating"]
    assert (first.data["assigned_group"], first.data["tier"]) == ([None, "Network operations"], [None, 2])
    assert second.author == support_member
    assert second.text == "RADIUS needs an engineer."
    assert second.data["assigned_group"] == ["Network operations", "Network engineering"]
    assert second.data["tier"] == [2, 3]
    assert second.data["assignee"] == [support_member.get_full_name(), None]


def test_escalating_to_another_group_of_the_same_tier_journals_only_the_group(operator, network, vpn):
    servers = SupportGroupFactory(name="Server operations", tier=SupportTier.SECOND_LINE)
    incident = investigating(operator, vpn, network)

    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=servers, reason="Servers, not network.")

    entry = incident.journal.filter(kind=ActivityKind.ESCALATED).order_by("id").last()
    assert entry.data["assigned_group"] == ["Network operations", "Server operations"]
    assert "tier" not in entry.data and "state" not in entry.data  # both stayed as they were


def test_the_desk_is_offered_to_take_back_a_serious_incident_only_once_its_notices_are_out(
    operator, manager, network, vpn
):
    incident = investigating(operator, vpn, network)
    calls.incident_add_call(
        by=operator, incident_id=incident.pk, caller=ContactFactory(), symptoms="The whole floor is down.",
        affected_users=40, impact=Impact.HIGH, urgency=Urgency.HIGH,
    )  # fmt: skip
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.serious

    assert not rules.may_take_back(incident, operator)
    with pytest.raises(ValidationError) as refused:
        escalation.incident_take_back(by=operator, incident_id=incident.pk, reason="Wrong group")
    assert refused.value.code == "notices_sent"

    send_serious_notices(operator, incident)
    assert rules.may_take_back(Incident.objects.get(pk=incident.pk), operator)


def test_escalation_needs_another_active_support_group_and_a_reason(operator, network, vpn):
    incident = investigating(operator, vpn, network)
    closed_down = SupportGroupFactory(name="Old network team", active=False)
    desk = SupportGroupFactory(name="Service desk", tier=SupportTier.SERVICE_DESK)

    for group, message in [
        (network, f"{incident.number} is already with Network operations: choose another group."),
        (closed_down, "Old network team is no longer active."),
        (desk, "Service desk is the service desk, which keeps the incident anyway"),
        (None, "Choose the support group to escalate to."),
    ]:
        with pytest.raises(ValidationError) as error:
            escalation.incident_escalate(by=operator, incident_id=incident.pk, group=group, reason=" ")
        assert set(error.value.message_dict) == {"group", "reason"}
        assert error.value.message_dict["group"][0].startswith(message)
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_only_the_desk_escalates_an_incident_no_group_holds(operator, support_member, network, vpn):
    incident = classified(operator, vpn)

    with pytest.raises(PermissionDenied, match=f"Only the service desk may escalate {incident.number}"):
        escalation.incident_escalate(by=support_member, incident_id=incident.pk, group=network, reason="Mine.")


def test_a_member_of_another_group_cannot_escalate_acknowledge_assign_or_resolve(
    operator, outsider, network, third_line, vpn
):
    incident = investigating(operator, vpn, network)
    refusals = {
        "escalate": lambda: escalation.incident_escalate(
            by=outsider, incident_id=incident.pk, group=third_line, reason="Not ours."
        ),
        "acknowledge": lambda: escalation.incident_acknowledge(by=outsider, incident_id=incident.pk),
        "assign": lambda: escalation.incident_assign(by=outsider, incident_id=incident.pk, assignee=outsider),
        "resolve": lambda: resolution.incident_resolve(
            by=outsider, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX, resolution_notes="x"
        ),
    }

    for step, attempt in refusals.items():
        with pytest.raises(PermissionDenied, match="Network operations, the assigned group") as error:
            attempt()
        assert incident.number in str(error.value), step
    assert steps(incident, outsider) == []
    assert not has_transition_perm(Incident.objects.get(pk=incident.pk).resolve, outsider)


def test_only_members_of_the_assigned_group_acknowledge_and_only_once(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)

    refusal = f"Only members of Network operations, the assigned group, may acknowledge {incident.number}"
    with pytest.raises(PermissionDenied, match=refusal):
        escalation.incident_acknowledge(by=operator, incident_id=incident.pk)
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    with pytest.raises(ValidationError, match=f"{incident.number} was already acknowledged by Sam"):
        escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)

    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    entry = incident.journal.get(kind=ActivityKind.ACKNOWLEDGED)
    assert (entry.author, entry.incident_version) == (support_member, incident.version)
    assert entry.data["group"] == "Network operations"
    assert "acknowledge" not in steps(incident, support_member)


def test_an_operator_who_is_a_member_of_the_group_may_acknowledge(operator, network, vpn):
    incident = investigating(operator, vpn, network)
    network.members.add(operator)

    escalation.incident_acknowledge(by=operator, incident_id=incident.pk)

    assert Incident.objects.get(pk=incident.pk).acknowledged_at is not None


def test_acknowledging_needs_an_incident_a_group_investigates(operator, support_member, vpn):
    incident = classified(operator, vpn)

    with pytest.raises(ValidationError, match="is classified: only an incident a support group investigates"):
        escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)


def test_a_member_or_the_desk_assigns_to_members_of_the_assigned_group_only(
    operator, support_member, outsider, network, vpn
):
    colleague = UserFactory(username="cora", first_name="Cora", last_name="Lee", roles=["Support"])
    network.members.add(colleague)
    incident = investigating(operator, vpn, network)

    escalation.incident_assign(by=support_member, incident_id=incident.pk, assignee=colleague)
    with pytest.raises(ValidationError) as error:
        escalation.incident_assign(by=operator, incident_id=incident.pk, assignee=outsider)
    assert error.value.message_dict["assignee"] == [
        f"{outsider.get_full_name()} is not a member of Network operations, the assigned group."
    ]
    with pytest.raises(ValidationError, match="is already assigned to Cora Lee"):
        escalation.incident_assign(by=operator, incident_id=incident.pk, assignee=colleague)
    escalation.incident_assign(by=operator, incident_id=incident.pk, assignee=support_member)

    incident.refresh_from_db()
    assert incident.assignee == support_member
    first, second = incident.journal.filter(kind=ActivityKind.ASSIGNED).order_by("id")
    assert first.data["assignee"] == [None, "Cora Lee"]
    assert (second.author, second.data["assignee"]) == (operator, ["Cora Lee", support_member.get_full_name()])


# --- resolution by the group, subordinates ---------------------------------------------------------------


def test_the_assigned_group_resolves_with_code_notes_change_and_problem(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)
    change, problem = ChangeFactory(title="Renew RADIUS certificate"), ProblemFactory()

    resolved_incidents = resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.CHANGE,
        resolution_notes="  The certificate was renewed.  ", change=change, problem=problem, minutes_spent=40,
    )  # fmt: skip

    incident.refresh_from_db()
    assert resolved_incidents == [incident]
    assert (incident.state, incident.change, incident.problem) == (State.RESOLVED, change, problem)
    assert incident.resolution_notes == "The certificate was renewed."
    assert incident.resolved_at is not None
    entry = lifecycle_entries(incident)[-1]
    assert entry.data["state"] == ["investigating", "resolved"]
    assert entry.data["resolution_code"] == ["", ResolutionCode.CHANGE]
    assert entry.data["change"] == [None, str(change)]
    assert entry.minutes_spent == 40


def test_resolution_needs_a_code_and_notes_for_the_caller(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)

    with pytest.raises(ValidationError) as error:
        resolution.incident_resolve(
            by=support_member, incident_id=incident.pk, resolution_code="", resolution_notes=" "
        )

    assert set(error.value.message_dict) == {"resolution_code", "resolution_notes"}
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


def test_resolving_a_master_resolves_its_open_subordinates_with_it(operator, support_member, network, vpn):
    master = investigating(operator, vpn, network)
    recorded_subordinate = record(operator, parent=master)
    classified_subordinate = classified(operator, vpn, parent=master)

    resolved_incidents = resolution.incident_resolve(
        by=support_member, incident_id=master.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The RADIUS certificate was renewed.",
    )  # fmt: skip

    assert [incident.pk for incident in resolved_incidents] == [
        master.pk,
        recorded_subordinate.pk,
        classified_subordinate.pk,
    ]
    for subordinate in (recorded_subordinate, classified_subordinate):
        subordinate.refresh_from_db()
        assert subordinate.state == State.RESOLVED
        assert subordinate.resolution_code == ResolutionCode.PERMANENT_FIX
        assert subordinate.resolution_notes == "The RADIUS certificate was renewed."
        entry = lifecycle_entries(subordinate)[-1]
        assert entry.text.startswith(f"Resolved with its master incident {master.number}")
        assert (entry.author, entry.data["master"], entry.incident_version) == (
            support_member,
            master.number,
            subordinate.version,
        )
    master_entry = lifecycle_entries(master)[-1]
    assert master_entry.data["subordinates"] == [recorded_subordinate.number, classified_subordinate.number]


def test_a_serious_subordinate_with_pending_notices_holds_up_its_master(operator, support_member, network, vpn):
    master = investigating(operator, vpn, network)
    subordinate = record(operator, parent=master, serious=True, serious_reason="The board is affected.")

    with pytest.raises(ValidationError, match=f"{subordinate.number}, a subordinate of {master.number}"):
        resolution.incident_resolve(
            by=support_member, incident_id=master.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
            resolution_notes="Fixed.",
        )  # fmt: skip

    assert Incident.objects.get(pk=master.pk).state == State.INVESTIGATING


# --- reopening and closing ----------------------------------------------------------------------------


def test_the_desk_reopens_a_resolved_incident_for_the_same_group(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)

    resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="The caller still cannot connect.")

    incident.refresh_from_db()
    assert incident.state == State.INVESTIGATING
    assert incident.assigned_group == network
    assert incident.acknowledged_at is None and incident.resolved_at is None
    assert incident.resolution_code == ""
    entry = lifecycle_entries(incident)[-1]
    assert (entry.author, entry.visibility, entry.data["via"]) == (operator, Visibility.INTERNAL, "desk")
    assert entry.data["resolution_code"] == [ResolutionCode.PERMANENT_FIX, ""]
    assert "acknowledge" in steps(incident, support_member)


def test_the_caller_reopens_through_the_link_without_a_user(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)

    resolution.incident_reopen(by=None, via_caller=True, incident_id=incident.pk, reason="Still broken at home.")

    entry = lifecycle_entries(incident)[-1]
    assert (entry.author, entry.visibility, entry.data["via"]) == (None, Visibility.CUSTOMER, "caller_link")
    assert entry.text == "Still broken at home."
    assert Incident.objects.get(pk=incident.pk).state == State.INVESTIGATING


def test_only_the_desk_or_the_caller_reopen_and_always_with_a_reason(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)

    with pytest.raises(PermissionDenied, match="Only the service desk, or the caller"):
        resolution.incident_reopen(by=support_member, incident_id=incident.pk, reason="Not fixed.")
    with pytest.raises(PermissionDenied, match="Only the service desk, or the caller"):
        resolution.incident_reopen(by=None, incident_id=incident.pk, reason="Not fixed.")
    with pytest.raises(ValidationError) as error:
        resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="")
    assert set(error.value.message_dict) == {"reason"}


def test_a_first_line_fix_that_did_not_hold_comes_back_to_the_desk(operator, support_member, network, vpn):
    incident = classified(operator, vpn)
    resolution.incident_resolve_at_first_line(
        by=operator, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND, resolution_notes="Reset."
    )
    resolution.incident_reopen(by=None, via_caller=True, incident_id=incident.pk, reason="Did not help.")

    assert steps(incident, operator) == ["resolve_at_first_line", "escalate"]
    with pytest.raises(ValidationError, match="is with the service desk: escalate it to a support group first"):
        escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Workaround failed.")
    assert steps(incident, operator) == ["escalate", "assign"]


def test_closing_requires_a_current_root_cause_a_reason_when_early_and_a_rating_on_the_scale(
    operator, support_member, network, vpn
):
    incident = resolved(operator, vpn, network, support_member)

    with pytest.raises(ValidationError) as error:
        closure.incident_close(by=operator, incident_id=incident.pk, root_cause=None, satisfaction=6)
    assert error.value.message_dict == {
        "root_cause": ["Choose the root cause: closing requires it."],
        "reason": [
            "The caller has not confirmed the fix and it is not due for automatic closure yet: say why it closes."
        ],
        "satisfaction": ["Rate the caller's satisfaction from 1 (very dissatisfied) to 5 (very satisfied)."],
    }
    retired = CategoryFactory(name="Pagers", active=False)
    with pytest.raises(ValidationError, match="Pagers is retired"):
        closed(operator, incident, root_cause_category=retired)
    with pytest.raises(ValidationError, match="Pulled cable is retired"):
        closed(operator, incident, root_cause=RootCauseFactory(name="Pulled cable", active=False))
    by_a_change = RootCauseFactory(name="Caused by a change", needs_change=True)
    with pytest.raises(ValidationError) as error:
        closed(operator, incident, root_cause=by_a_change)
    assert error.value.message_dict == {"cause_change": ["Name the change that caused it."]}
    assert Incident.objects.get(pk=incident.pk).state == State.RESOLVED


def test_a_cause_that_names_a_change_keeps_the_change_that_caused_it(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    change = ChangeFactory()

    closed(operator, incident, root_cause=RootCauseFactory(name="Caused by a change", needs_change=True),
           cause_change=change)  # fmt: skip

    incident.refresh_from_db()
    assert (incident.root_cause.name, incident.cause_change) == ("Caused by a change", change)
    assert lifecycle_entries(incident)[-1].data["cause_change"] == [None, str(change)]


def test_closing_records_root_cause_satisfaction_time_spent_and_end_time(operator, support_member, network, vpn):
    incident = record(operator)
    classification.incident_classify(
        by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.LOW, minutes_spent=5
    )
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network.")
    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Fixed.", minutes_spent=30,
    )  # fmt: skip
    certificates = CategoryFactory(name="Certificates")

    closed(operator, incident, root_cause_category=certificates, satisfaction=4,
           satisfaction_comment=" Quick and friendly. ", minutes_spent=2)  # fmt: skip

    incident.refresh_from_db()
    assert incident.state == State.CLOSED
    assert (incident.category, incident.root_cause_category) == (vpn, certificates)
    assert incident.root_cause.name == "Configuration error"
    # The desk records the caller's rating as given by phone, apart from the callers' own.
    assert (incident.satisfaction_by_phone, incident.satisfaction_comment) == (4, "Quick and friendly.")
    assert incident.closure_reason == ClosureReason.CONFIRMED_BY_PHONE
    assert incident.closed_at is not None and not incident.closed_automatically
    entry = lifecycle_entries(incident)[-1]
    assert entry.data["time_spent_minutes"] == 37
    assert entry.data["closed_at"] == [None, incident.closed_at.isoformat()]
    assert entry.data["root_cause_category"] == [None, "Certificates"]
    assert entry.data["satisfaction_by_phone"] == [None, 4]
    assert entry.data["closure_reason"] == ["", ClosureReason.CONFIRMED_BY_PHONE]


def test_a_support_member_cannot_close(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)

    with pytest.raises(PermissionDenied, match=f"Only the service desk may close {incident.number}"):
        closed(support_member, incident, root_cause_category=vpn)


# --- automatic closure --------------------------------------------------------------------------------


def resolved_days_ago(incident, days):
    # Backdating a timestamp (not the state) stands in for waiting.
    Incident.objects.filter(pk=incident.pk).update(resolved_at=timezone.now() - datetime.timedelta(days=days))


def test_automatic_closure_selects_incidents_resolved_more_than_n_days_ago_that_have_a_category(
    operator, support_member, network, vpn, settings
):
    settings.SERVICEDESK_AUTO_CLOSE_DAYS = 5
    master = investigating(operator, vpn, network)
    uncategorised = record(operator, parent=master)  # resolved with its master before classification
    resolution.incident_resolve(
        by=support_member, incident_id=master.pk, resolution_code=ResolutionCode.PERMANENT_FIX, resolution_notes="Ok"
    )
    recent = resolved(operator, vpn, network, support_member)
    still_open = classified(operator, vpn)
    for incident in (master, uncategorised):
        resolved_days_ago(incident, 6)
    resolved_days_ago(recent, 4)

    assert closure.incidents_due_for_automatic_closure() == [master.pk]
    assert closure.incidents_due_for_automatic_closure(days=3) == [master.pk, recent.pk]
    later = timezone.now() + datetime.timedelta(days=2)
    assert closure.incidents_due_for_automatic_closure(now=later) == [master.pk, recent.pk]
    assert still_open.pk not in closure.incidents_due_for_automatic_closure(days=0)


def test_automatic_closure_uses_the_classification_category_and_has_no_author(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    resolved_days_ago(incident, 6)

    closed = closure.incident_close_automatically(incident_id=incident.pk)

    incident.refresh_from_db()
    assert closed == incident
    assert (incident.state, incident.root_cause_category, incident.closed_automatically) == (State.CLOSED, vpn, True)
    entry = lifecycle_entries(incident)[-1]
    assert entry.author is None
    assert entry.data["via"] == "automatic"
    assert entry.text == "Closed automatically: the caller did not reject the fix within 5 days."


def test_automatic_closure_leaves_what_is_not_due_or_has_no_category_to_the_desk(
    operator, support_member, network, vpn
):
    recent = resolved(operator, vpn, network, support_member)
    master = investigating(operator, vpn, network)
    uncategorised = record(operator, parent=master)
    resolution.incident_resolve(
        by=support_member, incident_id=master.pk, resolution_code=ResolutionCode.PERMANENT_FIX, resolution_notes="Ok"
    )
    resolved_days_ago(uncategorised, 30)

    assert closure.incident_close_automatically(incident_id=recent.pk) is None
    assert closure.incident_close_automatically(incident_id=uncategorised.pk) is None
    assert set(Incident.objects.filter(pk__in=[recent.pk, uncategorised.pk]).values_list("state", flat=True)) == {
        State.RESOLVED
    }


# --- the serious-incident gate ------------------------------------------------------------------------


@pytest.fixture
def all_rounder(network):
    """Desk and support at once, a member of the assigned group: may take every step."""
    user = UserFactory(username="alex", first_name="Alex", roles=["Service desk", "Support"])
    network.members.add(user)
    return user


def attempts(incident, user, category, other_group):
    notes = {"resolution_code": ResolutionCode.PERMANENT_FIX, "resolution_notes": "Fixed."}
    return {
        "classify": lambda: classification.incident_classify(
            by=user, incident_id=incident.pk, category=category, impact=Impact.HIGH, urgency=Urgency.HIGH
        ),
        "resolve_at_first_line": lambda: resolution.incident_resolve_at_first_line(
            by=user, incident_id=incident.pk, **notes
        ),
        "escalate": lambda: escalation.incident_escalate(
            by=user, incident_id=incident.pk, group=other_group, reason="Tier 3."
        ),
        "acknowledge": lambda: escalation.incident_acknowledge(by=user, incident_id=incident.pk),
        "assign": lambda: escalation.incident_assign(by=user, incident_id=incident.pk, assignee=user),
        "resolve": lambda: resolution.incident_resolve(by=user, incident_id=incident.pk, **notes),
        "reopen": lambda: resolution.incident_reopen(by=user, incident_id=incident.pk, reason="Not fixed."),
        "close": lambda: closed(user, incident, root_cause_category=category),
    }


@pytest.mark.parametrize(
    ("state", "possible"),
    [
        (State.RECORDED, ["classify"]),
        (State.CLASSIFIED, ["resolve_at_first_line", "escalate"]),
        (State.INVESTIGATING, ["escalate", "acknowledge", "assign", "resolve"]),
        (State.RESOLVED, ["reopen", "close"]),
    ],
)
def test_no_step_is_possible_while_serious_notices_are_pending_and_every_step_is_after_both(
    state, possible, operator, manager, all_rounder, network, third_line, vpn
):
    # Only recording and classification make an incident serious, so the later states are set up as rows.
    incident = IncidentFactory(
        state=state, serious=True, desk_owner=operator, category=vpn,
        assigned_group=network if state in (State.INVESTIGATING, State.RESOLVED) else None,
    )  # fmt: skip
    steps_of = attempts(incident, all_rounder, vpn, third_line)

    assert steps(incident, all_rounder) == []
    for step in possible:
        with pytest.raises(ValidationError, match=SERIOUS):
            steps_of[step]()
    assert Incident.objects.get(pk=incident.pk).version == 1

    notices.incident_notify_management(by=operator, incident_id=incident.pk)
    assert steps(incident, all_rounder) == []
    subject, body = notices.prepared_user_message(incident)
    notices.incident_inform_users(by=operator, incident_id=incident.pk, subject=subject, body=body)

    assert steps(incident, all_rounder) == possible
    steps_of[possible[-1]]()


def test_a_serious_incident_recorded_by_the_desk_cannot_be_classified_before_its_notices(operator, vpn):
    incident = record(operator, impact=Impact.HIGH, urgency=Urgency.HIGH)

    with pytest.raises(ValidationError, match=f"{incident.number} {SERIOUS}"):
        classification.incident_classify(
            by=operator, incident_id=incident.pk, category=vpn, impact=Impact.HIGH, urgency=Urgency.HIGH
        )


# --- who sees which buttons ---------------------------------------------------------------------------


def test_each_role_is_offered_exactly_the_steps_it_may_take(operator, support_member, manager, outsider, network, vpn):
    incident = record(operator)
    assert steps(incident, operator) == ["classify"]
    assert steps(incident, support_member) == steps(incident, manager) == []

    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=3, urgency=2)
    assert steps(incident, operator) == ["resolve_at_first_line", "escalate"]
    assert steps(incident, support_member) == steps(incident, manager) == []

    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network.")
    assert steps(incident, operator) == ["escalate", "assign"]
    assert steps(incident, support_member) == ["escalate", "acknowledge", "assign", "resolve"]
    assert steps(incident, outsider) == steps(incident, manager) == []
    fresh = Incident.objects.get(pk=incident.pk)
    assert {t.name for t in fresh.get_available_user_state_transitions(support_member)} == {"escalate", "resolve"}
    assert not has_transition_perm(fresh.resolve_with_master, operator)  # internal, never a button

    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.NO_FAULT, resolution_notes="Ok"
    )
    assert steps(incident, operator) == ["reopen", "close"]
    assert steps(incident, support_member) == steps(incident, manager) == []


def test_a_manager_can_take_no_step(operator, manager, support_member, network, third_line, vpn):
    cases = [
        (record(operator), ["classify"]),
        (classified(operator, vpn), ["resolve_at_first_line", "escalate"]),
        (investigating(operator, vpn, network), ["escalate", "acknowledge", "assign", "resolve"]),
        (resolved(operator, vpn, network, support_member), ["reopen", "close"]),
    ]

    for incident, possible in cases:
        assert steps(incident, manager) == []
        steps_of = attempts(incident, manager, vpn, third_line)
        for step in possible:
            with pytest.raises(PermissionDenied, match=incident.number):
                steps_of[step]()
    assert not Activity.objects.filter(author=manager).exists()


def test_the_roles_hold_the_lifecycle_permissions(operator, support_member, manager):
    desk_steps = {"classify", "resolve", "escalate", "assign", "reopen", "close"}
    assert all(operator.has_perm(f"incidents.{step}_incident") for step in desk_steps | {"work"})
    assert support_member.has_perm("incidents.work_incident")
    assert not any(support_member.has_perm(f"incidents.{step}_incident") for step in desk_steps)
    assert not any(manager.has_perm(f"incidents.{step}_incident") for step in desk_steps | {"work"})


# --- stale forms and the journal --------------------------------------------------------------------------


def test_a_stale_form_is_refused_with_who_changed_what_since(operator, support_member, network, third_line, vpn):
    incident = investigating(operator, vpn, network)
    opened_at = incident.version
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    escalation.incident_assign(by=support_member, incident_id=incident.pk, assignee=support_member)

    with pytest.raises(stale.StaleIncident) as error:
        escalation.incident_escalate(
            by=operator, incident_id=incident.pk, group=third_line, reason="Tier 3.", expected_version=opened_at
        )

    message = error.value.messages[0]
    name = support_member.get_full_name()
    assert isinstance(error.value, ValidationError)
    assert message.startswith(f"{incident.number} has changed since you opened it: {name} acknowledged it (")
    assert f"; {name} assigned it to {name} (" in message
    assert message.endswith("Reload it and try again.")
    assert [entry.kind for entry in error.value.changes] == [ActivityKind.ACKNOWLEDGED, ActivityKind.ASSIGNED]
    assert Incident.objects.get(pk=incident.pk).assigned_group == network

    escalation.incident_escalate(
        by=operator, incident_id=incident.pk, group=third_line, reason="Tier 3.", expected_version=opened_at + 2
    )


@pytest.mark.django_db(transaction=True)
def test_two_members_acknowledging_at_once_do_not_both_succeed():
    operator = UserFactory(roles=["Service desk"])
    first, second = UserFactory(roles=["Support"]), UserFactory(roles=["Support"])
    group = SupportGroupFactory(members=[first, second])
    incident = investigating(operator, CategoryFactory(), group)
    holding_the_lock = threading.Event()
    outcomes: dict[str, str] = {}

    def acknowledge(user, name: str) -> None:
        try:
            with transaction.atomic():
                escalation.incident_acknowledge(by=user, incident_id=incident.pk)
                if name == "first":
                    holding_the_lock.set()
                    time.sleep(0.5)  # the second one reads the row meanwhile, and must wait for this commit
            outcomes[name] = "acknowledged"
        except ValidationError as error:
            outcomes[name] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=acknowledge, args=(first, "first"))]
    threads[0].start()
    assert holding_the_lock.wait(timeout=10)
    threads.append(threading.Thread(target=acknowledge, args=(second, "second")))
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["first"] == "acknowledged"
    assert outcomes["second"].startswith(f"{incident.number} was already acknowledged by {first.get_full_name()}")
    assert Activity.objects.filter(kind=ActivityKind.ACKNOWLEDGED).count() == 1


def test_refresh_from_db_works_on_the_protected_state(operator, vpn):
    incident = record(operator)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=3, urgency=3)

    incident.refresh_from_db()

    assert incident.state == State.CLASSIFIED
    with pytest.raises(AttributeError):
        incident.state = State.CLOSED


def test_every_lifecycle_entry_carries_the_version_it_made(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    closed(operator, incident, root_cause_category=vpn)

    incident.refresh_from_db()
    versions = [entry.incident_version for entry in lifecycle_entries(incident)]
    assert versions == list(range(2, incident.version + 1))
    kinds = [(entry.kind, entry.data.get("step")) for entry in lifecycle_entries(incident)]
    assert kinds == [
        (ActivityKind.STATE_CHANGED, "classify"),
        (ActivityKind.ESCALATED, "escalate"),
        (ActivityKind.ACKNOWLEDGED, None),  # resolving a handoff nobody acknowledged acknowledges it first
        (ActivityKind.STATE_CHANGED, "resolve"),
        (ActivityKind.STATE_CHANGED, "close"),
    ]


def test_a_step_refuses_more_than_a_day_of_time_spent_like_a_journal_entry(operator, vpn):
    incident = record(operator)

    with pytest.raises(ValidationError) as error:
        classification.incident_classify(
            by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW, urgency=Urgency.LOW,
            minutes_spent=25 * 60,
        )  # fmt: skip

    assert "from 0 to 1440" in error.value.message_dict["minutes_spent"][0]
    assert Incident.objects.get(pk=incident.pk).state == State.RECORDED


# --- a group's first action acknowledges ---------------------------------------------------------------


def test_taking_a_handoff_nobody_acknowledged_acknowledges_it_first(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)

    escalation.incident_assign(by=support_member, incident_id=incident.pk, assignee=support_member)

    incident.refresh_from_db()
    assert incident.acknowledged_at is not None and incident.responded_at == incident.acknowledged_at
    ack, assigned = incident.journal.filter(kind__in=[ActivityKind.ACKNOWLEDGED, ActivityKind.ASSIGNED]).order_by("id")
    assert (ack.kind, ack.author, ack.data["via"]) == (ActivityKind.ACKNOWLEDGED, support_member, "assign")
    assert assigned.kind == ActivityKind.ASSIGNED
    handoff = incident.handoffs.get()
    assert handoff.acknowledged_at == incident.acknowledged_at


def test_resolving_a_handoff_nobody_acknowledged_acknowledges_it_first(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)

    resolution.incident_resolve(by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.WORKAROUND,
                                resolution_notes="Restarted the gateway.")  # fmt: skip

    incident.refresh_from_db()
    ack = incident.journal.get(kind=ActivityKind.ACKNOWLEDGED)
    resolved_entry = incident.journal.get(kind=ActivityKind.STATE_CHANGED, data__step="resolve")
    assert ack.id < resolved_entry.id and ack.data["via"] == "resolve"
    assert incident.acknowledged_at is not None


def test_the_desk_assigning_for_the_group_does_not_acknowledge_for_it(operator, support_member, network, vpn):
    incident = investigating(operator, vpn, network)

    escalation.incident_assign(by=operator, incident_id=incident.pk, assignee=support_member)

    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    assert not incident.journal.filter(kind=ActivityKind.ACKNOWLEDGED).exists()


def test_closing_once_the_automatic_closure_would_have_needs_no_reason(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    resolved_days_ago(incident, 6)  # past SERVICEDESK_AUTO_CLOSE_DAYS (5): the caller had their chance

    closure.incident_close(by=operator, incident_id=incident.pk, root_cause=RootCauseFactory())

    incident.refresh_from_db()
    assert (incident.state, incident.closure_reason, incident.root_cause_category) == (State.CLOSED, "", vpn)


def test_automatic_closure_gives_no_root_cause_and_keeps_the_callers_own_rating(operator, support_member, network,
                                                                                 vpn):  # fmt: skip
    incident = resolved(operator, vpn, network, support_member)
    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=3)
    resolved_days_ago(incident, 6)

    closure.incident_close_automatically(incident_id=incident.pk)

    incident.refresh_from_db()
    assert (incident.state, incident.closed_automatically, incident.root_cause) == (State.CLOSED, True, None)
    assert (incident.satisfaction, incident.satisfaction_by_phone) == (3, None)
