"""Incident storms: many calls on one service or CI in a short time, gathered under one master."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Impact, Urgency
from incidents.models import Activity, Incident
from incidents.recording import calls, storms
from incidents.recording.evidence import incident_evidence
from incidents.recording.storms import CI, SERVICE, ago, incident_storms, storm_on
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def call(operator, minutes_ago: int = 5, **overrides) -> Incident:
    reported = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    values = {
        "by": operator, "caller": ContactFactory(), "short_description": "Cannot reach the warehouse system",
        "occurred_at": reported, "reported_at": reported, "impact": Impact.LOW, "urgency": Urgency.MEDIUM,
    }  # fmt: skip
    return calls.incident_record(**{**values, **overrides})


def test_three_recent_calls_on_one_service_make_a_storm_with_the_most_urgent_as_master(operator):
    service = ServiceFactory(name="Warehouse management")
    first = call(operator, minutes_ago=25, service=service)
    urgent = call(operator, minutes_ago=10, service=service, impact=Impact.MEDIUM, urgency=Urgency.HIGH)
    last = call(operator, minutes_ago=1, service=service)

    [storm] = incident_storms()

    assert (storm.scope, storm.scope_id, storm.scope_name) == (SERVICE, service.pk, "Warehouse management")
    assert [incident.number for incident in storm.incidents] == [first.number, urgent.number, last.number]
    assert storm.master == urgent
    assert set(storm.others) == {first, last}


def test_too_few_or_too_old_calls_are_no_storm(operator):
    service = ServiceFactory()
    call(operator, minutes_ago=45, service=service)  # outside the 30-minute window
    call(operator, minutes_ago=5, service=service)
    call(operator, minutes_ago=2, service=service)

    assert incident_storms() == []
    assert storm_on(scope=SERVICE, scope_id=service.pk) is None


def test_the_thresholds_come_from_the_settings(operator, settings):
    settings.INCIDENT_STORM_CALLS = 2
    settings.INCIDENT_STORM_MINUTES = 60
    service = ServiceFactory()
    call(operator, minutes_ago=45, service=service)
    call(operator, minutes_ago=5, service=service)

    assert len(incident_storms()[0].incidents) == 2


def test_an_existing_master_stays_the_master_and_subordinates_are_not_counted_again(operator):
    service = ServiceFactory()
    master = call(operator, minutes_ago=20, service=service)
    call(operator, minutes_ago=15, service=service, parent=master)
    urgent = call(operator, minutes_ago=10, service=service, impact=Impact.HIGH, urgency=Urgency.HIGH)
    later = call(operator, minutes_ago=3, service=service)

    [storm] = incident_storms()

    assert storm.master == master
    assert set(storm.incidents) == {master, urgent, later}


def test_a_storm_on_one_ci_across_services_is_shown_unless_a_service_storm_covers_it(operator):
    router = ConfigurationItemFactory(name="rtr-dc1-core")
    for service in ServiceFactory.create_batch(3):
        call(operator, service=service, cis=[router])

    [storm] = incident_storms()
    assert (storm.scope, storm.scope_name, len(storm.incidents)) == (CI, "rtr-dc1-core", 3)

    one_service = ServiceFactory()
    for _ in range(3):
        call(operator, service=one_service, cis=[router])
    assert [storm.scope for storm in incident_storms()] == [CI, SERVICE]  # the CI storm now has six calls


def test_attaching_journals_on_every_incident_and_may_raise_the_master(operator):
    service = ServiceFactory()
    master = call(operator, service=service)
    others = [
        call(operator, service=service, impact=Impact.MEDIUM, urgency=Urgency.HIGH),
        call(operator, service=service, impact=Impact.HIGH, urgency=Urgency.LOW),
    ]

    calls.incidents_attach(
        by=operator, master_id=master.pk, incident_ids=[other.pk for other in others], raise_master=True
    )

    master.refresh_from_db()
    assert set(master.subordinates.all()) == set(others)
    assert (master.impact, master.urgency) == (Impact.HIGH, Urgency.HIGH)
    for other in others:
        entry = other.journal.get(kind=ActivityKind.ATTACHED_TO_MASTER)
        assert (entry.author, entry.data["parent"]) == (operator, [None, master.number])
    declared = master.journal.get(kind=ActivityKind.SUBORDINATE_ATTACHED)
    assert declared.data["subordinates"] == sorted(other.number for other in others)
    assert master.journal.filter(kind=ActivityKind.PRIORITY_CHANGED).count() == 1
    assert incident_storms() == []


def test_attaching_counts_the_subordinates_affected_users_on_the_master_once(operator):
    service = ServiceFactory()
    master = call(operator, service=service, affected_users=2)
    others = [call(operator, service=service, affected_users=4), call(operator, service=service, affected_users=1)]

    calls.incidents_attach(by=operator, master_id=master.pk, incident_ids=[other.pk for other in others])

    master.refresh_from_db()
    assert master.affected_users == 7
    declared = master.journal.get(kind=ActivityKind.SUBORDINATE_ATTACHED)
    assert (declared.data["affected_users"], declared.incident_version) == ([2, 7], master.version)
    assert sorted(Incident.objects.filter(parent=master).values_list("affected_users", flat=True)) == [1, 4]
    found = incident_evidence([Incident.objects.select_related("service").get(pk=master.pk)])[master.pk]
    assert found.affected_users == 7  # the master's count already holds its subordinates'


@pytest.mark.parametrize("problem", ["subordinate", "master_of_others", "closed"])
def test_attaching_refuses_an_incident_that_cannot_become_a_subordinate_and_writes_nothing(operator, problem):
    service = ServiceFactory()
    master, fine, troubled = (call(operator, service=service) for _ in range(3))
    if problem == "subordinate":
        Incident.objects.filter(pk=troubled.pk).update(parent=call(operator))
    elif problem == "master_of_others":
        call(operator, parent=troubled)
    else:
        Incident.objects.filter(pk=troubled.pk).update(state="closed")
    journal_before = Activity.objects.count()

    with pytest.raises(ValidationError) as error:
        calls.incidents_attach(by=operator, master_id=master.pk, incident_ids=[fine.pk, troubled.pk])

    assert troubled.number in " ".join(error.value.messages)
    assert not Incident.objects.filter(parent=master).exists()
    assert Activity.objects.count() == journal_before


def test_only_the_desk_gathers_a_storm(operator, support_member):
    master, other = call(operator), call(operator)

    with pytest.raises(PermissionDenied):
        calls.incidents_attach(by=support_member, master_id=master.pk, incident_ids=[other.pk])


def test_the_desk_sees_the_storm_on_its_list_and_gathers_it_in_one_action(client, operator, manager):
    service = ServiceFactory(name="Warehouse management")
    incidents = [call(operator, service=service) for _ in range(4)]
    client.force_login(manager)
    assert "Incident storm" not in client.get(reverse("incidents:incident_list")).text
    client.force_login(operator)

    listing = client.get(reverse("incidents:incident_list")).text
    assert "4 open calls on Warehouse management" in listing
    url = reverse("incidents:storm", args=[SERVICE, service.pk])
    page = client.get(url).text
    assert page.count('type="radio"') == 4 and page.count("checked") == 4  # the master and the three others
    response = client.post(
        url, {"master": incidents[2].number, "incidents": [i.number for i in incidents], "raise_master": ""}
    )

    assert response.status_code == 302 and response["Location"] == incidents[2].get_absolute_url()
    assert Incident.objects.filter(parent=incidents[2]).count() == 3


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "just now"), (59, "just now"), (61, "1 minute ago"), (12 * 60 + 30, "12 minutes ago"),
     (65 * 60, "1 hour, 5 minutes ago")],
)  # fmt: skip
def test_how_long_ago_is_said_in_words_never_0_minutes(seconds, said):
    now = timezone.now()

    assert ago(now - datetime.timedelta(seconds=seconds), now=now).replace("\xa0", " ") == said


def test_the_desk_sees_the_storm_above_its_work_list_too(client, operator):
    service = ServiceFactory(name="Warehouse management")
    for _ in range(3):
        call(operator, service=service)
    client.force_login(operator)

    page = client.get(reverse("incidents:desk_worklist")).text

    assert "Incident storm" in page and "3 open calls on Warehouse management" in page
    assert reverse("incidents:storm", args=[SERVICE, service.pk]) in page


def test_the_banner_says_when_the_first_call_came_and_never_0_minutes(client, operator):
    just_now, earlier = ServiceFactory(name="Warehouse management"), ServiceFactory(name="Payroll")
    for _ in range(3):
        call(operator, minutes_ago=0, service=just_now)
    for minutes_ago in (12, 4, 1):
        call(operator, minutes_ago=minutes_ago, service=earlier)
    client.force_login(operator)

    # As the page reads (timesince writes a no-break space between the number and its unit).
    listing = client.get(reverse("incidents:incident_list")).text.replace("\xa0", " ")
    storm_page = client.get(reverse("incidents:storm", args=[SERVICE, just_now.pk])).text.replace("\xa0", " ")

    never_0_minutes = re.compile(r"\b0 minutes")  # "23 hours, 20 minutes left" is fine
    assert not never_0_minutes.search(listing) and not never_0_minutes.search(storm_page)
    assert "3 open calls on Warehouse management, the first just now" in listing
    assert "3 open calls on Payroll, the first 12 minutes ago" in listing
    assert "3 open calls about Warehouse management, the first just now" in storm_page


def test_the_storm_page_refuses_an_empty_choice_and_support_members(client, operator, support_member):
    service = ServiceFactory()
    incidents = [call(operator, service=service) for _ in range(3)]
    url = reverse("incidents:storm", args=[SERVICE, service.pk])
    client.force_login(operator)

    response = client.post(url, {"master": incidents[0].number, "incidents": [incidents[0].number]})

    assert "Choose at least one incident besides the master." in response.text
    assert not Incident.objects.filter(parent__isnull=False).exists()
    client.force_login(support_member)
    assert client.get(url).status_code == 403


def test_a_storm_page_without_a_storm_says_so(client, operator):
    client.force_login(operator)

    page = client.get(reverse("incidents:storm", args=[SERVICE, ServiceFactory().pk])).text

    assert "There is no storm on this service now" in page


def test_the_banners_statement_is_built_once_and_follows_the_clock(operator, django_assert_num_queries):
    service = ServiceFactory(name="Payroll")
    for minutes_ago in (40, 35, 20):
        call(operator, minutes_ago=minutes_ago, service=service)
    now = timezone.now()

    with django_assert_num_queries(2):  # the recent calls, their CIs
        assert [len(storm.incidents) for storm in incident_storms(now=now - datetime.timedelta(minutes=15))] == [3]
    compiled = storms._RECENT.compiled
    with django_assert_num_queries(2):
        assert incident_storms(now=now) == []  # two of the three are older than the window now

    assert storms._RECENT.compiled is compiled
    assert [storm.scope_name for storm in incident_storms(now=now - datetime.timedelta(minutes=12))] == ["Payroll"]
