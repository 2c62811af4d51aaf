"""The incidents demo data: months of calls in every state, clusters the similar-incident panel can show."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from cmdb.demo import load_cmdb_demo
from incidents.choices import OPEN_STATES, ActivityKind, State
from incidents.demo import load_incidents_demo
from incidents.models import Activity, Incident
from incidents.priority import priority_for
from incidents.similar import similar_incidents
from knowledge.demo import load_knowledge_demo
from servicedesk.demo import load_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    load_accounts()
    load_cmdb_demo()
    load_knowledge_demo()
    load_incidents_demo()


def test_the_demo_has_a_few_hundred_incidents_in_every_state(demo):
    assert 250 <= Incident.objects.count() <= 400
    assert set(Incident.objects.values_list("state", flat=True)) == set(State)
    assert 25 <= Incident.objects.filter(state__in=OPEN_STATES).count() <= 40
    assert Incident.objects.filter(serious=True).count() >= 2
    oldest = Incident.objects.order_by("reported_at").first().reported_at
    assert timezone.now() - datetime.timedelta(days=125) < oldest < timezone.now() - datetime.timedelta(days=100)


def test_incidents_are_recorded_by_the_operator_with_callers_services_and_cis_of_the_cmdb(demo):
    assert set(Incident.objects.values_list("desk_owner__username", flat=True)) == {"operator"}
    assert not Incident.objects.filter(number="").exists()
    assert Incident.objects.filter(service__isnull=False).count() > 200
    assert Incident.objects.annotate(n=Count("cis")).filter(n=0).count() < 10
    assert Incident.objects.filter(cis__name="prn-ams-main-f2", state__in=OPEN_STATES).count() >= 3
    assert not Incident.objects.filter(Q(occurred_at__gt=F("reported_at")) | Q(reported_at__gt=timezone.now()))
    for impact, urgency, priority in Incident.objects.values_list("impact", "urgency", "priority").distinct():
        assert priority == priority_for(impact, urgency)
    quick = Incident.objects.filter(logging_seconds__gte=40, logging_seconds__lte=240).count()
    assert quick >= 0.85 * Incident.objects.count()


def test_an_open_master_incident_has_subordinates_journaled_on_it(demo):
    master = Incident.objects.annotate(n=Count("subordinates")).get(state__in=OPEN_STATES, n__gt=0)
    subordinates = list(master.subordinates.all())
    assert 2 <= len(subordinates) <= 4
    assert all(subordinate.is_open for subordinate in subordinates)
    journaled = master.journal.filter(kind=ActivityKind.SUBORDINATE_RECORDED)
    assert sorted(entry.data["subordinate"] for entry in journaled) == sorted(s.number for s in subordinates)
    calls = master.journal.filter(kind=ActivityKind.CALL_ADDED)
    assert master.affected_users == 1 + sum(entry.data["affected_users_added"] for entry in calls)


def test_every_incident_has_its_recorded_journal_entry_at_the_time_it_was_logged(demo):
    recorded = Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True)
    assert recorded.count() == Incident.objects.count()
    assert recorded.values("incident").distinct().count() == Incident.objects.count()
    entry = recorded.select_related("incident").order_by("?").first()
    assert entry.created_at == entry.incident.created_at > entry.incident.reported_at
    assert entry.author.username == "operator"
    assert {"caller", "channel", "impact", "urgency", "priority"} <= set(entry.data)
    assert Activity.objects.filter(kind=ActivityKind.CALL_ADDED, incident__state__in=OPEN_STATES).count() >= 3


def test_loading_twice_creates_nothing_twice(demo):
    counts = (Incident.objects.count(), Activity.objects.count(), Incident.cis.through.objects.count())

    load_incidents_demo()

    assert (Incident.objects.count(), Activity.objects.count(), Incident.cis.through.objects.count()) == counts


def test_the_plan_is_the_same_on_every_run_at_the_same_moment(demo):
    from incidents.demo import _Directory, _Planner

    now, directory = timezone.now(), _Directory.fetch()

    def plan() -> list[tuple]:
        return [(p.caller.id, p.summary, p.reported_at, p.state) for p in _Planner(now, directory).plan()]

    assert plan() == plan()


def test_the_demo_loads_nothing_without_the_operator(db):
    load_cmdb_demo()

    load_incidents_demo()

    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("vpn keeps saying authentication failed", {"vpn", "authentication", "failed"}),
        ("printer on the 2nd floor in Amsterdam jams", {"printer", "2nd", "floor", "jams"}),
    ],
)
def test_the_similar_panel_shows_open_incidents_for_a_typical_complaint(demo, text, words):
    matches = similar_incidents(text=text)

    assert matches
    assert all(match.incident.state in OPEN_STATES for match in matches)
    assert words <= set(matches[0].reasons[0].terms)
