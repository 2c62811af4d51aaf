"""The day figures follow every change of an incident, its CI links and its journal, whoever makes it.

Each test compares the tables the triggers kept with the figures worked out here, in Python, from the
incidents as they are (``expected``), and with the tables built again from scratch (``rebuilt``).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from incidents.choices import ResolutionCode
from incidents.lifecycle import closure, escalation, resolution
from incidents.models import Activity, CategoryDayFigures, CIDayFigures, DayFigures, Incident, ServiceDayFigures
from incidents.reporting import figures, tasks
from incidents.reporting.dashboard import DAY_COLUMNS
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory
from tests.incidents.factories import IncidentFactory, RootCauseFactory
from tests.incidents.workflow import investigating, resolved
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def kept() -> dict[str, dict]:
    """The four tables as the triggers left them, each day's (or day and key's) rows summed, without the
    figures that came back to zero."""
    days: defaultdict[datetime.date, Counter] = defaultdict(Counter)
    for row in DayFigures.objects.values():
        days[row.pop("day")].update({column: n for column, n in row.items() if column in DAY_COLUMNS})
    services, cis, categories = Counter(), Counter(), defaultdict(lambda: [0, 0])
    for row in ServiceDayFigures.objects.all():
        services[row.day, row.service_id] += row.reported
    for row in CIDayFigures.objects.all():
        cis[row.day, row.ci_id] += row.reported
    for row in CategoryDayFigures.objects.all():
        counted = categories[row.day, row.category_id]
        counted[0] += row.closed
        counted[1] += row.changed
    return {
        "days": {day: {column: n for column, n in row.items() if n} for day, row in days.items() if any(row.values())},
        "services": {key: n for key, n in services.items() if n},
        "cis": {key: n for key, n in cis.items() if n},
        "categories": {key: tuple(value) for key, value in categories.items() if any(value)},
    }


def rebuilt() -> dict[str, dict]:
    figures.rebuild()
    return kept()


def expected() -> dict[str, dict]:
    """The dashboard's definitions, applied to every incident one by one."""
    days: defaultdict[datetime.date, Counter] = defaultdict(Counter)
    services, cis, categories = Counter(), Counter(), defaultdict(lambda: [0, 0])

    def local(moment: datetime.datetime) -> datetime.date:
        return timezone.localtime(moment).date()

    def micro(moment: datetime.datetime, incident: Incident) -> int:
        return (moment - incident.reported_at) // datetime.timedelta(microseconds=1)

    for incident in Incident.objects.prefetch_related("cis"):
        reported = local(incident.reported_at)
        days[reported]["reported"] += 1
        if incident.service_id:
            services[reported, incident.service_id] += 1
        for ci in incident.cis.all():
            cis[reported, ci.pk] += 1
        if incident.responded_at:
            day = days[local(incident.responded_at)]
            day["responses_measured"] += incident.response_met is not None
            day["responses_in_time"] += incident.response_met is True
        if incident.acknowledged_at:
            day = days[local(incident.acknowledged_at)]
            day["acknowledged"] += 1
            day["acknowledge_microseconds"] += micro(incident.acknowledged_at, incident)
        if incident.resolved_at:
            day = days[local(incident.resolved_at)]
            day["resolved"] += 1
            day["resolutions_measured"] += incident.resolution_met is not None
            day["resolutions_in_time"] += incident.resolution_met is True
            day["resolve_microseconds"] += micro(incident.resolved_at, incident)
            day["first_contact"] += incident.assigned_group_id is None
            day["with_known_error"] += incident.known_error_id is not None
        if incident.closed_at:
            day = days[local(incident.closed_at)]
            day["closed"] += 1
            day["confirmed"] += incident.confirmed_at is not None
            day["closed_automatically"] += incident.closed_automatically
            day["satisfaction_sum"] += incident.satisfaction or 0
            day["satisfaction_count"] += incident.satisfaction is not None
            if incident.category_id:
                counted = categories[local(incident.closed_at), incident.category_id]
                counted[0] += 1
                counted[1] += incident.root_cause_category_id != incident.category_id
    for entry in Activity.objects.filter(kind="state_changed", data__step="reopen"):
        days[local(entry.created_at)]["reopened"] += 1
    return {
        "days": {day: {column: n for column, n in row.items() if n} for day, row in days.items() if +row},
        "services": dict(services),
        "cis": dict(cis),
        "categories": {key: tuple(value) for key, value in categories.items()},
    }


def assert_figures_hold() -> dict[str, dict]:
    """The figures kept are the figures expected; they stay so once compacted, and once rebuilt."""
    now = kept()
    assert now == expected()
    figures.compact()
    assert kept() == now
    assert rebuilt() == now
    return now


def test_the_figures_follow_an_incident_through_the_lifecycle(operator, support_member, network, vpn):
    today = timezone.localdate()
    incident = investigating(operator, vpn, network)
    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    assert assert_figures_hold()["days"][today]["acknowledged"] == 1

    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Certificate renewed.",
    )  # fmt: skip
    assert assert_figures_hold()["days"][today]["resolved"] == 1

    resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="It fails again.")
    day = assert_figures_hold()["days"][today]
    assert (day.get("resolved"), day.get("acknowledged"), day["reopened"]) == (None, None, 1)

    escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="Certificate renewed, and the old one revoked.",
    )  # fmt: skip
    other = CategoryFactory(name="Certificates")
    incident.refresh_from_db()
    resolution.incident_confirm(incident_id=incident.pk, resolved_at=incident.resolved_at, satisfaction=5)
    closure.incident_close(by=operator, incident_id=incident.pk, root_cause=RootCauseFactory(),
                           root_cause_category=other)  # fmt: skip
    now = assert_figures_hold()
    assert (now["days"][today]["closed"], now["days"][today]["satisfaction_sum"]) == (1, 5)
    assert now["categories"] == {(today, vpn.pk): (1, 1)}


def test_a_reopened_resolution_leaves_the_day_it_was_resolved_on(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    yesterday = timezone.now() - DAY
    Incident.objects.filter(pk=incident.pk).update(resolved_at=yesterday)
    assert assert_figures_hold()["days"][timezone.localdate(yesterday)]["resolved"] == 1

    resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="Still failing.")

    now = assert_figures_hold()
    assert "resolved" not in now["days"].get(timezone.localdate(yesterday), {})
    assert now["days"][timezone.localdate()]["reopened"] == 1


def test_a_ci_counts_on_the_day_its_incident_was_reported(operator):
    gateway, switch = ConfigurationItemFactory(name="vpn-gw-01"), ConfigurationItemFactory(name="sw-core-01")
    three_days_ago = timezone.now() - 3 * DAY
    incident = IncidentFactory(reported_at=three_days_ago, service=ServiceFactory(), cis=[gateway])
    report_day = timezone.localdate(three_days_ago)

    incident.cis.add(switch)
    assert assert_figures_hold()["cis"] == {(report_day, gateway.pk): 1, (report_day, switch.pk): 1}

    incident.cis.remove(gateway)
    assert assert_figures_hold()["cis"] == {(report_day, switch.pk): 1}

    Incident.objects.filter(pk=incident.pk).update(occurred_at=three_days_ago - DAY, reported_at=three_days_ago - DAY)
    now = assert_figures_hold()
    assert now["cis"] == {(report_day - DAY, switch.pk): 1}
    assert list(now["services"]) == [(report_day - DAY, incident.service_id)]


def test_a_bulk_update_counts_every_row_once(operator):
    closed_at = timezone.now() - 2 * DAY
    IncidentFactory.create_batch(5, state="resolved", resolved_at=closed_at - DAY)

    Incident.objects.update(state="closed", closed_at=closed_at, closed_automatically=True)

    assert assert_figures_hold()["days"][timezone.localdate(closed_at)] == {"closed": 5, "closed_automatically": 5}


def test_a_save_that_changes_no_figure_writes_nothing(operator):
    incident = IncidentFactory(cis=[ConfigurationItemFactory()], service=ServiceFactory())
    tables = (DayFigures, ServiceDayFigures, CIDayFigures, CategoryDayFigures)
    before = [table.objects.count() for table in tables]

    incident.short_description = "Another wording"
    incident.save()

    assert [table.objects.count() for table in tables] == before


def test_the_compaction_sums_each_days_rows_into_one(operator, support_member, network, vpn):
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    for _ in range(3):
        resolved(operator, vpn, network, support_member, cis=[gateway])
    figures_before = kept()
    assert DayFigures.objects.filter(compacted=False).count() > 1

    tasks.incidents_compact_figures.apply().get()

    assert kept() == figures_before
    assert list(DayFigures.objects.values_list("day", "compacted")) == [(timezone.localdate(), True)]
    assert not CIDayFigures.objects.filter(compacted=False).exists()


def test_beat_compacts_the_figures_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["incidents-compact-figures"]

    assert (entry["task"], entry["schedule"]) == (tasks.incidents_compact_figures.name, 5 * 60)


def test_the_days_follow_the_desks_time_zone():
    figures.follow_time_zone(time_zone="UTC")
    late = datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC)
    IncidentFactory(reported_at=late)
    assert list(DayFigures.objects.values_list("day", flat=True)) == [datetime.date(2026, 11, 26)]

    assert figures.follow_time_zone(time_zone="Europe/Amsterdam") is True

    assert figures.zone() == "Europe/Amsterdam"
    assert list(DayFigures.objects.values_list("day", flat=True)) == [datetime.date(2026, 11, 27)]
    assert figures.follow_time_zone(time_zone="Europe/Amsterdam") is False


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "UTC'; DROP TABLE incidents_dayfigures; --"])
def test_an_unknown_time_zone_changes_nothing(zone):
    figures.follow_time_zone(time_zone="UTC")
    IncidentFactory(reported_at=datetime.datetime(2026, 11, 26, 23, 30, tzinfo=datetime.UTC))

    with pytest.raises((ValueError, DatabaseError)):
        figures.follow_time_zone(time_zone=zone)

    assert figures.zone() == "UTC"
    assert list(DayFigures.objects.values_list("day", flat=True)) == [datetime.date(2026, 11, 26)]


def test_the_figures_are_rebuilt_on_demand(capsys):
    IncidentFactory(reported_at=timezone.now() - DAY)
    DayFigures.objects.update(reported=7)  # as if written with the triggers off

    call_command("rebuild_figures")

    assert list(DayFigures.objects.values_list("reported", flat=True)) == [1]
    assert "Day figures rebuilt: 1 day in" in capsys.readouterr().out
