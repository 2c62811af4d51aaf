"""Due times, response and resolution met, the pause while waiting on the caller, handoffs and the ledger:
the service-level clock as the lifecycle's services drive it (``incidents.sla``), with a frozen clock."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from incidents.choices import ActivityKind, Impact, Priority, ResolutionCode, Urgency
from incidents.lifecycle import classification, escalation, holds, resolution
from incidents.models import (
    BusinessCalendar,
    ClockEvent,
    GroupAgreement,
    Handoff,
    Holiday,
    Incident,
    ServiceLevel,
    ServiceLevelCoverage,
    ServiceLevelTarget,
    WorkingPeriod,
)
from incidents.recording import details
from incidents.servicelevels import sweep
from tests.cmdb.factories import ServiceFactory
from tests.incidents.workflow import record

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
WEDNESDAY_10 = datetime.datetime(2026, 11, 25, 10, tzinfo=AMSTERDAM)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
def standard(db) -> ServiceLevel:
    """The default service level of the data migration, its calendar in Amsterdam's time."""
    level = ServiceLevel.objects.select_related("calendar").get(is_default=True)
    level.calendar.time_zone = "Europe/Amsterdam"
    level.calendar.save()
    return level


@pytest.fixture
def clock():
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def iso(moment: datetime.datetime) -> str:
    """A time as the journal keeps it."""
    return moment.astimezone(datetime.UTC).isoformat()


def test_the_migration_seeds_office_hours_and_the_standard_targets(standard):
    assert standard.name == "Standard"
    assert standard.calendar.name == "Office hours"
    assert sorted(standard.calendar.periods.values_list("weekday", "start", "end")) == [
        (day, datetime.time(8), datetime.time(18)) for day in range(5)
    ]
    assert {t.priority: (t.response_minutes, t.resolution_minutes) for t in standard.targets.all()} == {
        1: (15, 240), 2: (30, 480), 3: (120, 1440), 4: (240, 2400), 5: (480, 4800),
    }  # fmt: skip


def test_recording_starts_the_clock_of_the_default_service_level_in_business_time(operator, standard, clock):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)

    assert incident.priority == Priority.HIGH  # 30 min / 8 h
    incident.refresh_from_db()
    assert incident.service_level == standard
    assert incident.response_due_at == at(25, 10, 30)
    assert incident.resolution_due_at == at(25, 18)  # 8 business hours from Wednesday 10:00
    assert incident.sla_next_check_at == at(25, 10, 22) + datetime.timedelta(seconds=30)  # 75% of the response
    assert list(incident.clock_events.values_list("kind", "at")) == [("started", WEDNESDAY_10)]
    entry = incident.journal.get(kind=ActivityKind.RECORDED)
    assert entry.data["service_level"] == "Standard"


def test_a_service_covered_by_its_own_service_level_takes_that_one(operator, standard, clock):
    around_the_clock = BusinessCalendar.objects.create(name="24x7", time_zone="UTC")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=around_the_clock, weekday=day, start=datetime.time(0), end=datetime.time(23, 59))
        for day in range(7)
    )
    gold = ServiceLevel.objects.create(name="Gold", calendar=around_the_clock)
    ServiceLevelTarget.objects.create(service_level=gold, priority=Priority.LOW, response_minutes=10,
                                      resolution_minutes=60)  # fmt: skip
    payroll = ServiceFactory(name="Payroll")
    ServiceLevelCoverage.objects.create(service_level=gold, service=payroll)

    incident = record(operator, service=payroll, impact=Impact.LOW, urgency=Urgency.MEDIUM)

    assert (incident.service_level, incident.priority) == (gold, Priority.LOW)
    assert incident.response_due_at == WEDNESDAY_10 + datetime.timedelta(minutes=10)


def test_changing_the_priority_recomputes_the_due_times_from_the_time_already_used(operator, vpn, standard, clock):
    incident = record(operator, impact=Impact.LOW, urgency=Urgency.LOW)
    assert incident.priority == Priority.PLANNING
    clock.shift(datetime.timedelta(hours=2))  # 12:00: two business hours used

    incident = classification.incident_classify(
        by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM, urgency=Urgency.HIGH
    )

    assert incident.priority == Priority.HIGH
    # The clock started at 10:00: the new targets count from there.
    assert incident.response_due_at == at(25, 10, 30)
    assert incident.resolution_due_at == at(25, 18)
    entry = incident.journal.get(kind=ActivityKind.STATE_CHANGED)
    assert entry.data["resolution_due_at"][1] == iso(at(25, 18))
    assert incident.clock_events.filter(kind="recomputed").get().reason == "The priority changed at classification."
    # The response target of the new priority is already used up: the next sweep escalates.
    assert incident.sla_next_check_at <= at(25, 12)


def test_changing_the_service_recomputes_and_journals_the_due_times(operator, standard, clock):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    fast = BusinessCalendar.objects.create(name="24x7", time_zone="UTC")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=fast, weekday=day, start=datetime.time(0), end=datetime.time(23, 59)) for day in range(7)
    )
    premium = ServiceLevel.objects.create(name="Premium", calendar=fast)
    ServiceLevelTarget.objects.create(service_level=premium, priority=Priority.HIGH, response_minutes=5,
                                      resolution_minutes=60)  # fmt: skip
    trading = ServiceFactory(name="Trading")
    ServiceLevelCoverage.objects.create(service_level=premium, service=trading)

    incident = details.incident_update(
        by=operator, incident_id=incident.pk, expected_version=incident.version,
        short_description=incident.short_description, symptoms=incident.symptoms, channel=incident.channel,
        service=trading, location=incident.location, affected_users=1, cis=[],
    )  # fmt: skip

    assert incident.service_level == premium
    assert incident.resolution_due_at == WEDNESDAY_10 + datetime.timedelta(hours=1)
    entry = incident.journal.get(kind=ActivityKind.FIELD_CHANGED)
    assert entry.data["service_level"] == ["Standard", "Premium"]
    assert entry.data["resolution_due_at"][1] == iso(WEDNESDAY_10 + datetime.timedelta(hours=1))


def test_waiting_on_the_caller_pauses_the_clock_and_resuming_moves_the_due_times(operator, standard, clock):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)  # resolution due Wednesday 18:00
    clock.shift(datetime.timedelta(hours=1))  # 11:00

    incident = holds.incident_await_caller(
        by=operator, incident_id=incident.pk, reason="Send us the VPN client's log file.",
        expected_version=incident.version,
    )  # fmt: skip

    assert incident.awaiting_caller_since == at(25, 11)
    assert incident.awaiting_caller_reason == "Send us the VPN client's log file."
    assert incident.sla_next_check_at is None  # nothing is swept while paused
    with pytest.raises(ValidationError, match="already waiting"):
        holds.incident_await_caller(by=operator, incident_id=incident.pk, reason="Again")

    clock.move_to(at(26, 9))  # Thursday 09:00: seven business hours paused
    incident = holds.incident_resume(by=None, via_caller=True, incident_id=incident.pk, note="Log file attached.")

    assert incident.awaiting_caller_since is None
    # One business hour used before the pause, seven left: Thursday 09:00 to 16:00.
    assert incident.resolution_due_at == at(26, 16)
    entries = list(incident.journal.filter(data__step__in=["await_caller", "resume"]).order_by("id"))
    assert [entry.data["step"] for entry in entries] == ["await_caller", "resume"]
    assert entries[1].data["via"] == "caller_link"
    assert entries[1].data["resolution_due_at"] == [iso(at(25, 18)), iso(at(26, 16))]
    assert list(incident.clock_events.values_list("kind", flat=True)) == ["started", "paused", "resumed"]


def test_a_response_missed_before_the_pause_keeps_its_due_time_after_it(operator, standard, clock):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    response_due = incident.response_due_at
    clock.move_to(response_due + datetime.timedelta(hours=1))  # not acknowledged in time
    holds.incident_await_caller(by=operator, incident_id=incident.pk, reason="Which office are you in?")
    clock.move_to(at(26, 9))

    incident = holds.incident_resume(by=None, via_caller=True, incident_id=incident.pk, note="Rotterdam.")

    # The target was missed before the pause: its due time stays, in the past, and the list still shows it.
    assert incident.response_due_at == response_due
    assert incident.resolution_due_at is not None


def test_only_the_desk_or_the_group_puts_an_incident_on_hold(operator, outsider, standard, clock):
    incident = record(operator)
    with pytest.raises(PermissionDenied):
        holds.incident_await_caller(by=outsider, incident_id=incident.pk, reason="Why not")
    with pytest.raises(ValidationError):
        holds.incident_await_caller(by=operator, incident_id=incident.pk, reason=" ")
    with pytest.raises(ValidationError, match="not waiting"):
        holds.incident_resume(by=operator, incident_id=incident.pk)


def test_the_acknowledgement_records_the_response_met_or_missed_when_it_happens(
    operator, support_member, vpn, network, standard, clock
):
    fast = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)  # response within 30 min
    late = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    for incident in (fast, late):
        classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM,
                                    urgency=Urgency.HIGH)  # fmt: skip
        escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")
    clock.shift(datetime.timedelta(minutes=20))
    fast = escalation.incident_acknowledge(by=support_member, incident_id=fast.pk)
    clock.shift(datetime.timedelta(minutes=20))
    late = escalation.incident_acknowledge(by=support_member, incident_id=late.pk)

    assert (fast.responded_at, fast.response_met) == (at(25, 10, 20), True)
    assert (late.responded_at, late.response_met) == (at(25, 10, 40), False)
    assert fast.clock_events.filter(kind="responded").count() == 1


def test_resolving_records_the_resolution_and_a_reopening_runs_the_clock_on(
    operator, support_member, vpn, network, standard, clock
):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM,
                                urgency=Urgency.HIGH)  # fmt: skip
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")
    clock.shift(datetime.timedelta(hours=3))  # 13:00: three business hours used
    resolution.incident_resolve(by=support_member, incident_id=incident.pk,
                                resolution_code=ResolutionCode.PERMANENT_FIX,
                                resolution_notes="Renewed the certificate.")  # fmt: skip
    incident.refresh_from_db()
    # Resolved without an acknowledgement: the resolution is the response too (and a late one).
    assert (incident.responded_at, incident.response_met) == (at(25, 13), False)
    assert incident.resolution_met is True
    assert incident.sla_next_check_at is None

    clock.move_to(at(26, 13))  # a day later the caller says it still fails
    incident = resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="Still fails.")

    assert incident.resolution_met is None
    # Five business hours left of eight, from Thursday 13:00: due 18:00.
    assert incident.resolution_due_at == at(26, 18)
    assert incident.sla_next_check_at is not None


def test_a_handoff_records_the_groups_acknowledgement_against_its_agreement(
    operator, support_member, vpn, network, standard, clock
):
    GroupAgreement.objects.create(group=network, acknowledge_minutes=20)
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM,
                                urgency=Urgency.HIGH)  # fmt: skip
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")

    handoff = Handoff.objects.get(incident=incident)
    assert (handoff.handed_at, handoff.due_at) == (WEDNESDAY_10, at(25, 10, 20))
    clock.shift(datetime.timedelta(minutes=15))
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    handoff.refresh_from_db()
    assert (handoff.acknowledged_at, handoff.met) == (at(25, 10, 15), True)


def test_a_calendar_change_recomputes_the_open_incidents(operator, standard, clock):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)  # resolution due Wednesday 18:00
    Holiday.objects.create(calendar=standard.calendar, date=datetime.date(2026, 11, 25), name="Company day")

    assert sweep.incidents_recompute_for_calendar(calendar_id=standard.calendar_id) == 1

    incident.refresh_from_db()
    assert incident.resolution_due_at == at(26, 16)  # today no longer counts: Thursday 08:00 to 16:00
    entry = incident.journal.get(data__step="sla_recompute")
    assert entry.text == "The business calendar changed."


def test_the_ledger_explains_the_figure(operator, manager, standard, clock, client):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    clock.shift(datetime.timedelta(hours=1))
    holds.incident_await_caller(by=operator, incident_id=incident.pk, reason="Which laptop?")
    clock.move_to(at(26, 9))
    holds.incident_resume(by=operator, incident_id=incident.pk)
    clock.move_to(at(26, 10))
    client.force_login(manager)

    response = client.get(reverse("incidents:sla_ledger", args=[incident.number]))

    assert response.status_code == 200
    ledger = response.context["ledgers"][1]  # the resolution
    assert [line.kind for line in ledger.stretches] == ["ran", "paused", "ran"]
    assert ledger.used == datetime.timedelta(hours=2)
    assert "Which laptop?" in response.content.decode()
    assert "Office hours" in response.content.decode()


def test_the_incident_page_and_list_show_time_left_with_colour(operator, manager, standard, clock, client):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    client.force_login(manager)
    Incident.objects.filter(pk=incident.pk).update(response_warning_stage=2)

    listing = client.get(reverse("incidents:incident_list")).content.decode()
    page = client.get(incident.get_absolute_url()).content.decode()

    assert "sla-bad" in listing
    assert "sla-ledger" in page
    assert ClockEvent.objects.filter(incident=incident).exists()


def test_the_desk_takes_back_an_incident_its_group_did_not_acknowledge(
    operator, support_member, vpn, network, standard, clock, client
):
    GroupAgreement.objects.create(group=network, acknowledge_minutes=20)
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    classification.incident_classify(by=operator, incident_id=incident.pk, category=vpn, impact=Impact.MEDIUM,
                                urgency=Urgency.HIGH)  # fmt: skip
    escalation.incident_escalate(by=operator, incident_id=incident.pk, group=network, reason="Network")
    clock.shift(datetime.timedelta(minutes=30))
    with pytest.raises(PermissionDenied):
        escalation.incident_take_back(by=support_member, incident_id=incident.pk, reason="Mine now")
    client.force_login(operator)

    response = client.post(reverse("incidents:sla_take_back", args=[incident.number]), {"reason": "No answer"})

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assigned_group is None
    handoff = Handoff.objects.get(incident=incident)
    assert (handoff.ended_at, handoff.met) == (at(25, 10, 30), False)
    assert incident.journal.get(data__step="take_back").text == "No answer"


def test_saving_a_calendar_in_the_admin_recomputes_its_open_incidents_after_commit(
    administrator, operator, standard, clock, client, monkeypatch, django_capture_on_commit_callbacks
):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)  # resolution due Wednesday 18:00
    calendar = standard.calendar
    queued = []
    monkeypatch.setattr(
        "incidents.admin.incidents_recompute_for_calendar.delay",
        lambda calendar_id: queued.append(sweep.incidents_recompute_for_calendar(calendar_id=calendar_id)),
    )
    data = {"name": calendar.name, "time_zone": calendar.time_zone}
    periods = list(calendar.periods.order_by("pk"))
    data |= {"periods-TOTAL_FORMS": len(periods), "periods-INITIAL_FORMS": len(periods)}
    for index, period in enumerate(periods):
        data |= {
            f"periods-{index}-id": period.pk,
            f"periods-{index}-calendar": calendar.pk,
            f"periods-{index}-weekday": period.weekday,
            f"periods-{index}-start": "08:00",
            f"periods-{index}-end": "18:00",
        }
    data |= {"holidays-TOTAL_FORMS": 1, "holidays-INITIAL_FORMS": 0, "holidays-0-date": "2026-11-25",
             "holidays-0-name": "Company day"}  # fmt: skip
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:incidents_businesscalendar_change", args=[calendar.pk]), data)

    assert response.status_code == 302
    assert queued == [1]
    incident.refresh_from_db()
    assert incident.resolution_due_at == at(26, 16)


def test_the_incident_page_puts_the_incident_on_hold_and_resumes_it(operator, standard, clock, client):
    incident = record(operator, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    client.force_login(operator)

    response = client.post(
        reverse("incidents:sla_await_caller", args=[incident.number]),
        {"reason": "Which laptop?", "version": incident.version},
    )
    assert response.status_code == 302
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Which laptop?" in page
    assert "sla-paused" in page
    assert "Resume: the caller answered" in page

    clock.shift(datetime.timedelta(minutes=10))
    client.post(reverse("incidents:sla_resume", args=[incident.number]), {"note": "Answered by phone"})
    incident.refresh_from_db()
    assert incident.awaiting_caller_since is None
    assert incident.resolution_due_at == at(26, 8, 10)  # ten minutes later: past closing time, into Thursday


def test_someone_outside_the_desk_and_the_group_is_refused_the_hold_with_the_reason(
    operator, outsider, standard, clock, client
):
    incident = record(operator)
    client.force_login(outsider)

    response = client.post(
        reverse("incidents:sla_await_caller", args=[incident.number]),
        {"reason": "Why not", "version": incident.version},
    )

    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.awaiting_caller_since is None
