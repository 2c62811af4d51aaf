"""The incidents demo data: months of calls in every state, clusters the similar-incident panel can show, and
a story the queues, the desk's work list and the dashboard tell."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cmdb.models import SupportGroup
from incidents.canned.placeholders import fill_placeholders
from incidents.choices import OPEN_STATES, ActivityKind, ReevaluationOutcome, State
from incidents.demo import load_incidents_demo
from incidents.models import (
    Activity,
    CannedReply,
    ClockEvent,
    Handoff,
    InboundMail,
    InboundState,
    Incident,
    IncidentPerson,
    IncidentTemplate,
    PersonReason,
    Reevaluation,
    SavedFilter,
    ServiceLevel,
    ServiceLevelTarget,
    StaffNotification,
)
from incidents.priority import priority_for
from incidents.recording.similar import similar_incidents
from incidents.servicelevels.calendar import add_business_time, business_time_between, calendar_spec
from incidents.worklists import desk, queues
from tests.incidents.demo_data import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo loaded once for the module's tests (7 to 14 s a load), in a transaction rolled back after the last of
    them: each test's own transaction is a savepoint inside it, and what a test changes goes with it. The tests that
    need the demo loaded their own way are in ``test_demo_load.py``."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_the_demo_has_a_few_hundred_incidents_in_every_state(demo):
    assert 250 <= Incident.objects.count() <= 400
    assert set(Incident.objects.values_list("state", flat=True)) == set(State)
    assert 15 <= Incident.objects.filter(state__in=OPEN_STATES).count() <= 35
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
    added = sum(entry.data["affected_users_added"] for entry in calls)
    # A master counts everyone the outage affects: its own calls' users and its subordinates'.
    assert master.affected_users == 1 + added + sum(subordinate.affected_users for subordinate in subordinates)


def test_every_incident_has_its_recorded_journal_entry_at_the_time_it_was_logged(demo):
    recorded = Activity.objects.filter(kind=ActivityKind.RECORDED, data__demo=True)
    assert recorded.count() == Incident.objects.count()
    assert recorded.values("incident").distinct().count() == Incident.objects.count()
    entry = recorded.select_related("incident").order_by("?").first()
    assert entry.created_at == entry.incident.created_at > entry.incident.reported_at
    assert entry.author.username == "operator"
    assert {"caller", "channel", "impact", "urgency", "priority"} <= set(entry.data)
    assert Activity.objects.filter(kind=ActivityKind.CALL_ADDED, incident__state__in=OPEN_STATES).count() >= 3


def test_the_callers_of_added_calls_are_kept_informed(demo):
    added = {
        (entry.incident_id, entry.data["caller_id"])
        for entry in Activity.objects.filter(kind=ActivityKind.CALL_ADDED).select_related("incident")
        if entry.data["caller_id"] != entry.incident.caller_id
    }
    assert added
    kept = set(IncidentPerson.objects.filter(reason=PersonReason.CALL_ADDED).values_list("incident_id", "contact_id"))
    assert kept >= added


def test_loading_twice_creates_nothing_twice(demo):
    counts = (Incident.objects.count(), Activity.objects.count(), Incident.cis.through.objects.count())

    load_incidents_demo()

    assert (Incident.objects.count(), Activity.objects.count(), Incident.cis.through.objects.count()) == counts


def test_the_desk_and_two_groups_have_canned_replies_whose_placeholders_fill(demo):
    replies = CannedReply.objects.select_related("group")
    assert replies.filter(group=None).count() >= 3
    assert {reply.group.name for reply in replies.exclude(group=None)} == {"Workplace Support", "Business Applications"}
    assert all(reply.revisions.count() == 1 and reply.active for reply in replies)
    incident = Incident.objects.filter(state__in=OPEN_STATES).first()
    operator = get_user_model().objects.get(username="operator")
    text = fill_placeholders(replies.get(title="Call received").body, incident=incident, user=operator)
    assert incident.number in text and incident.caller.first_name in text and "{" not in text


def test_the_desk_has_incident_templates_with_their_service_and_category(demo):
    templates = IncidentTemplate.objects.select_related("service", "category")
    assert templates.count() >= 5
    assert all(template.service and template.category and template.active for template in templates)
    assert templates.get(name="Account locked").category.name == "Account locked"
    assert all(template.revisions.count() == 1 for template in templates)


def test_the_plan_is_the_same_on_every_run_at_the_same_moment(demo):
    from incidents.demo.plan import Directory as _Directory
    from incidents.demo.plan import Planner as _Planner

    now, directory = timezone.now(), _Directory.fetch()

    def plan() -> list[tuple]:
        return [(p.caller.id, p.summary, p.reported_at, p.state) for p in _Planner(now, directory).plan()]

    assert plan() == plan()


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


# --- the story: service levels, queues, the desk's work list, the dashboard ------------------------------


def test_every_incident_has_its_services_level_with_due_times_in_business_time(demo):
    default = ServiceLevel.objects.get(is_default=True)
    around_the_clock = ServiceLevel.objects.get(name="Around the clock")
    critical = set(around_the_clock.services.values_list("pk", flat=True))
    assert set(around_the_clock.services.values_list("name", flat=True)) == {"Web shop", "Payroll"}
    assert not Incident.objects.exclude(service_level__in=[default, around_the_clock]).exists()
    assert Incident.objects.filter(service_level=around_the_clock).exists()
    for incident in Incident.objects.select_related("service_level").order_by("?")[:40]:
        level = around_the_clock if incident.service_id in critical else default
        assert incident.service_level == level
        spec = calendar_spec(level.calendar_id)
        target = ServiceLevelTarget.objects.get(service_level=level, priority=incident.priority)
        due = add_business_time(spec, incident.reported_at, datetime.timedelta(minutes=target.response_minutes))
        assert incident.response_due_at == due
        if incident.responded_at is not None:
            used = business_time_between(spec, incident.reported_at, incident.responded_at)
            assert incident.response_met == (used <= datetime.timedelta(minutes=target.response_minutes))
    done = Incident.objects.exclude(state__in=OPEN_STATES)
    assert not done.filter(Q(response_met__isnull=True) | Q(resolution_met__isnull=True)).exists()
    for met in ("response_met", "resolution_met"):
        missed = done.filter(**{met: False}).count()
        assert 0 < missed < 0.25 * done.count()
    assert not done.exclude(sla_next_check_at=None).exists()


def test_open_incidents_are_watched_some_breached_some_past_three_quarters_a_few_waiting_on_the_caller(demo):
    now = timezone.now()
    open_incidents = Incident.objects.filter(state__in=OPEN_STATES)
    waiting = open_incidents.filter(awaiting_caller_since__isnull=False)
    assert 2 <= waiting.count() <= 3
    assert not waiting.filter(awaiting_caller_reason="").exists()
    assert not waiting.exclude(sla_next_check_at=None).exists()
    assert not open_incidents.filter(awaiting_caller_since=None, sla_next_check_at__lte=now).exists()
    # Nothing left to watch only once the last stage was sent.
    unwatched = open_incidents.filter(awaiting_caller_since=None, sla_next_check_at=None)
    assert not unwatched.exclude(resolution_warning_stage=3).exists()
    breached = open_incidents.filter(resolution_due_at__lt=now)
    assert 0 < breached.count() < open_incidents.count() / 2
    assert open_incidents.filter(resolution_warning_stage__gte=1).count() >= breached.count()
    for incident in waiting:
        assert incident.journal.filter(data__step="await_caller", text=incident.awaiting_caller_reason).exists()
        assert incident.clock_events.filter(kind="paused", at=incident.awaiting_caller_since).exists()
    # Each warning stage reached was sent, as the sweep journals it.
    for incident in open_incidents.filter(resolution_warning_stage__gte=2):
        assert incident.journal.filter(kind=ActivityKind.NOTIFICATION, data__notice="sla_breach").exists()


def test_each_demo_support_member_finds_every_tab_of_the_queue_filled(demo):
    members = get_user_model().objects.filter(support_groups__isnull=False, groups__name="Support").distinct()
    assert members.exists()
    for member in members:
        counts = queues.queue_counts(member)
        assert all(counts.values()), (member.username, counts)
        for group in member.support_groups.all():
            assert Incident.objects.filter(state__in=OPEN_STATES, assigned_group=group).exists(), group.name


def test_handoffs_were_met_missed_or_still_wait(demo):
    now = timezone.now()
    escalations = Activity.objects.filter(kind=ActivityKind.ESCALATED).count()
    assert Handoff.objects.count() == escalations
    assert Handoff.objects.filter(met=True).count() > 5 * Handoff.objects.filter(met=False).count() / 2
    assert Handoff.objects.filter(met=False, acknowledged_at__isnull=False).exists()  # acknowledged late
    assert Handoff.objects.filter(met=False, overdue_flagged_at__isnull=False, ended_at=None).exists()
    assert Handoff.objects.filter(acknowledged_at=None, ended_at=None, due_at__gt=now).exists()  # waiting
    assert not Handoff.objects.filter(met=True, acknowledged_at__gt=F("due_at")).exists()


def test_the_desk_work_list_has_work_in_every_tab_and_every_serious_incident_has_its_notices_out(demo):
    counts = desk.worklist_counts(owner_id=None)

    assert counts.pop("notices") == 0
    assert all(counts.values()), counts
    tab = next(tab for tab in desk.TABS if tab.name == "reopened")
    reopened = desk.worklist(tab=tab, owner_id=None).get()
    entries = list(reopened.journal.filter(kind=ActivityKind.STATE_CHANGED).order_by("created_at"))
    assert [entry.data["step"] for entry in entries][-2:] == ["resolve_at_first_line", "reopen"]
    assert entries[-1].author is None and entries[-1].data["via"] == "caller_link"
    request = Reevaluation.objects.get(outcome=ReevaluationOutcome.PENDING)
    assert request.requested_by.username == "support"
    assert request.incident.journal.filter(kind=ActivityKind.REEVALUATION_REQUESTED, created_at=request.requested_at)
    confirmed = Incident.objects.filter(confirmed_at__isnull=False)
    assert confirmed.filter(state=State.RESOLVED).exists() and confirmed.filter(state=State.CLOSED).exists()
    assert not confirmed.filter(Q(confirmed_at__lt=F("resolved_at")) | Q(satisfaction=None)).exists()
    assert Activity.objects.filter(kind=ActivityKind.CONFIRMED).count() == confirmed.count()
    serious = Incident.objects.get(serious=True, state__in=OPEN_STATES)
    notices = serious.journal.filter(kind=ActivityKind.NOTIFICATION, data__notice__in=["management", "users"])
    assert notices.count() == 2
    assert notices.order_by("created_at").last().created_at < serious.journal.get(data__step="classify").created_at


def test_versions_count_the_journaled_changes_and_clock_events_follow_the_journal(demo):
    steps = Count("journal", filter=Q(journal__incident_version__isnull=False))
    calls = Count("journal", filter=Q(journal__kind=ActivityKind.CALL_ADDED))
    assert not Incident.objects.annotate(steps=steps, calls=calls).exclude(version=1 + F("steps") + F("calls"))
    assert not Incident.objects.exclude(state=State.RECORDED).filter(updated_at__lt=F("created_at"))
    started = ClockEvent.objects.filter(kind="started").values("incident").distinct().count()
    assert started == Incident.objects.count()
    stopped = ClockEvent.objects.filter(kind="stopped", data__met=False).values("incident")
    assert stopped.exists()


def test_the_bell_and_saved_filters_of_the_demo_users(demo):
    for username in ("operator", "support", "manager"):
        mine = StaffNotification.objects.filter(user__username=username)
        # A handful unread: the morning's replies ring the operator's bell too (the desk holds one waiting incident).
        assert 1 <= mine.filter(read_at=None).count() <= 8, username
        assert not mine.filter(created_at__gt=timezone.now()).exists()
    support = get_user_model().objects.get(username="support")
    saved = SavedFilter.objects.filter(owner=support)
    assert saved.filter(shared_with=None).exists()
    shared = saved.get(shared_with__isnull=False)
    assert shared.shared_with in support.support_groups.all()
    assert SupportGroup.objects.filter(agreement__isnull=False).count() >= 5


def test_the_mornings_mail_went_the_way_real_mail_goes(demo):
    states = Counter(InboundMail.objects.values_list("state", flat=True))

    assert states == {InboundState.INTAKE: 3, InboundState.REPLY: 2, InboundState.AUTOMATIC: 1}
    waiting = InboundMail.objects.filter(state=InboundState.INTAKE)
    assert {mail.contact is None for mail in waiting} == {True, False}  # known senders, and one the CMDB lacks
    replies = InboundMail.objects.filter(state=InboundState.REPLY).select_related("incident")
    states = sorted(mail.incident.state for mail in replies)
    assert states[1] == State.RESOLVED and states[0] in OPEN_STATES, states
    assert all(mail.incident.awaiting_caller_since is None for mail in replies)
