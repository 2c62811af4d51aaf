"""The service-level sweep (``incidents.servicelevels.sweep.sla_sweep``): each threshold fires once, at the right
moment, to the right people, with a controllable clock; handoffs not acknowledged in time are flagged once."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django.utils.dateformat import format as date_format

from incidents.choices import ActivityKind, Impact, Urgency
from incidents.lifecycle import classification, escalation, holds, resolution
from incidents.models import GroupAgreement, Handoff, Incident, OutboxMessage, ServiceLevel, StaffNotification
from incidents.servicelevels import sweep as servicelevels_sweep
from incidents.servicelevels import tasks
from tests.factories import UserFactory
from tests.incidents.workflow import record

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
WEDNESDAY_10 = datetime.datetime(2026, 11, 25, 10, tzinfo=AMSTERDAM)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 25) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, second, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def standard(db) -> ServiceLevel:
    level = ServiceLevel.objects.select_related("calendar").get(is_default=True)
    level.calendar.time_zone = "Europe/Amsterdam"
    level.calendar.save()
    return level


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def boss(network):
    """The manager of the network group."""
    boss = UserFactory(username="bob", first_name="Bob", email="bob@example.org", roles=["Support"])
    network.manager = boss
    network.email = "network@example.org"
    network.save()
    return boss


@pytest.fixture
def escalated(operator, vpn, network, boss, clock) -> Incident:
    """A P2 incident (response within 30 business minutes, resolution within 8 hours) with the network group,
    recorded on Wednesday at 10:00."""
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM,
                                urgency=Urgency.HIGH)  # fmt: skip
    return escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")


def sweep(clock, moment: datetime.datetime) -> int:
    clock.move_to(moment)
    return servicelevels_sweep.sla_sweep()


def sla_mail(kind: str) -> list[str]:
    return sorted(OutboxMessage.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_the_warning_goes_to_the_group_at_75_percent_and_only_once(escalated, clock, support_member, manager):
    assert sweep(clock, at(10, 20)) == 0  # nothing is due yet: 75% of 30 minutes is 10:22:30
    assert sla_mail("sla_warning") == []

    assert sweep(clock, at(10, 23)) == 1
    assert sweep(clock, at(10, 24)) == 0
    servicelevels_sweep.incident_sla_check(
        incident=Incident.objects.get(pk=escalated.pk), now=at(10, 25)
    )  # a duplicate tick

    assert sla_mail("sla_warning") == sorted(["network@example.org", support_member.email])
    incident = Incident.objects.get(pk=escalated.pk)
    assert (incident.response_warning_stage, incident.resolution_warning_stage) == (1, 0)
    assert incident.sla_next_check_at == at(10, 30)  # the breach
    assert StaffNotification.objects.filter(kind="sla_warning", user=support_member).count() == 1
    notice = incident.journal.get(kind=ActivityKind.NOTIFICATION, data__notice="sla_warning")
    assert notice.data["target"] == "response"


def test_the_breach_and_the_late_escalation_go_to_the_groups_manager_and_the_managers_once_each(
    escalated, clock, boss, manager
):
    sweep(clock, at(10, 23))
    sweep(clock, at(10, 30))  # 100% of the response target
    sweep(clock, at(10, 31))
    sweep(clock, at(10, 45))  # 150%: the late escalation
    sweep(clock, at(10, 50))

    managers = sorted([boss.email, manager.email])
    assert sla_mail("sla_breach") == managers
    assert sla_mail("sla_late_breach") == managers
    incident = Incident.objects.get(pk=escalated.pk)
    assert incident.response_warning_stage == 3
    # The response has nothing left to say; the resolution's 75% is next (6 business hours in: 16:00).
    assert incident.sla_next_check_at == at(16)
    assert StaffNotification.objects.filter(kind="sla_breach", user=boss).count() == 1


def test_after_an_outage_the_sweep_sends_only_the_highest_stage_passed(escalated, clock, boss, manager):
    sweep(clock, at(11))  # the sweep did not run for an hour: 200% of the response target used

    assert sla_mail("sla_warning") == []
    assert sla_mail("sla_breach") == []
    assert sla_mail("sla_late_breach") == sorted([boss.email, manager.email])


def test_an_acknowledgement_in_time_ends_the_response_warnings(escalated, clock, support_member):
    clock.move_to(at(10, 10))
    escalation.incident_acknowledge(by=support_member, incident_id=escalated.pk)

    assert sweep(clock, at(10, 40)) == 0
    assert OutboxMessage.objects.filter(kind__startswith="sla_").count() == 0
    assert Incident.objects.get(pk=escalated.pk).sla_next_check_at == at(16)


def test_nothing_is_swept_while_the_incident_waits_on_the_caller(escalated, clock, operator):
    clock.move_to(at(10, 5))
    holds.incident_await_caller(by=operator, incident_id=escalated.pk, reason="Which laptop is it?")

    assert sweep(clock, at(12)) == 0
    assert OutboxMessage.objects.filter(kind__startswith="sla_").count() == 0

    clock.move_to(at(9, day=26))
    holds.incident_resume(by=operator, incident_id=escalated.pk, note="Laptop L-123")
    # Five business minutes were used before the pause: 75% of 30 falls at 09:17:30 on Thursday.
    assert Incident.objects.get(pk=escalated.pk).sla_next_check_at == at(9, 17, 30, day=26)


def test_a_resolved_incident_leaves_the_sweep(escalated, clock, support_member):
    escalation.incident_acknowledge(by=support_member, incident_id=escalated.pk)
    resolution.incident_resolve(by=support_member, incident_id=escalated.pk, resolution_code="permanent_fix",
                               resolution_notes="Done.")  # fmt: skip

    assert Incident.objects.get(pk=escalated.pk).sla_next_check_at is None
    assert sweep(clock, at(18)) == 0


def test_a_handoff_not_acknowledged_in_time_is_flagged_once_to_the_desk_owner_and_the_groups_manager(
    operator, vpn, network, boss, clock
):
    GroupAgreement.objects.create(group=network, acknowledge_minutes=60)
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.LOW)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.LOW,
                                urgency=Urgency.LOW)  # fmt: skip
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")

    sweep(clock, at(10, 59))
    assert not Handoff.objects.filter(overdue_flagged_at__isnull=False).exists()
    sweep(clock, at(11, 1))
    sweep(clock, at(11, 5))

    handoff = Handoff.objects.get(incident=incident)
    assert (handoff.overdue_flagged_at, handoff.met) == (at(11, 1), False)
    assert sla_mail("handoff_overdue") == sorted([operator.email, boss.email])
    assert StaffNotification.objects.filter(kind="handoff_overdue").count() == 2
    assert incident.journal.filter(kind=ActivityKind.NOTIFICATION, data__notice="handoff_overdue").count() == 1
    # The due time written the portal's one way ("25 Nov 2026, 11:00"), as on every page.
    bell = StaffNotification.objects.filter(kind="handoff_overdue").first()
    assert bell.text.endswith(f"(due {date_format(timezone.localtime(handoff.due_at), 'j M Y, H:i')}).")


def test_the_sweep_reads_the_due_incidents_through_the_partial_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test database is too small for the planner to care
    plan = servicelevels_sweep.due_incidents(timezone.now()).only("pk").explain()
    assert "incidents_sla_due" in plan


def test_the_beat_task_runs_the_sweep(escalated, clock):
    clock.move_to(at(10, 23))
    assert tasks.incidents_sla_sweep.apply().get() == 1
