"""The support groups' queue: tabs per user and group, quick and bulk actions, fixed query counts."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Impact, Urgency
from incidents.lifecycle import classification, escalation, resolution
from incidents.models import Incident
from incidents.worklists.queues import TABS, queue, queue_bulk, queue_counts, tab_named
from tests.cmdb.factories import SupportGroupFactory
from tests.factories import UserFactory
from tests.incidents.workflow import closed, investigating, record, resolved, send_serious_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(network):
    carla = UserFactory(username="carla", first_name="Carla", roles=["Support"])
    network.members.add(carla)
    return carla


@pytest.fixture
def work(operator, support_member, colleague, network, vpn):
    """Incidents of the network group in each situation, and one of another group."""
    now = timezone.now()
    fresh = investigating(operator, vpn, network, short_description="Fresh handoff")
    mine = investigating(operator, vpn, network, short_description="Sam's")
    escalation.incident_acknowledge(by=support_member, incident_id=mine.pk)
    escalation.incident_assign(by=support_member, incident_id=mine.pk, assignee=support_member)
    carlas = investigating(operator, vpn, network, short_description="Carla's")
    escalation.incident_acknowledge(by=colleague, incident_id=carlas.pk)
    escalation.incident_assign(by=colleague, incident_id=carlas.pk, assignee=colleague)
    # The service-level clock is its own module; these two only need its fields as it leaves them.
    Incident.objects.filter(pk=carlas.pk).update(awaiting_caller_since=now - datetime.timedelta(hours=1))
    Incident.objects.filter(pk=mine.pk).update(resolution_due_at=now - datetime.timedelta(minutes=5))
    elsewhere = investigating(operator, vpn, SupportGroupFactory(tier=2), short_description="Another group's")
    return {"fresh": fresh, "mine": mine, "carlas": carlas, "elsewhere": elsewhere}


def numbers(user, name):
    return [incident.number for incident in queue(user, tab_named(name))]


def test_each_tab_shows_the_users_part_of_the_groups_work(support_member, colleague, work):
    assert numbers(support_member, "unacknowledged") == [work["fresh"].number]
    assert numbers(support_member, "mine") == [work["mine"].number]
    assert numbers(colleague, "mine") == [work["carlas"].number]
    assert numbers(support_member, "group") == [work["fresh"].number, work["mine"].number, work["carlas"].number]
    assert numbers(support_member, "awaiting") == [work["carlas"].number]
    assert numbers(support_member, "breached") == [work["mine"].number]
    assert all(work["elsewhere"].number not in numbers(support_member, tab.name) for tab in TABS)


def test_the_counts_come_in_one_query(support_member, work, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = queue_counts(support_member)

    assert counts == {"unacknowledged": 1, "mine": 1, "group": 3, "awaiting": 1, "breached": 1}


def test_the_counts_leave_out_what_is_resolved_closed_or_another_groups(
    operator, support_member, colleague, network, vpn, work
):
    resolved(operator, vpn, network, support_member)
    closed(operator, resolved(operator, vpn, network, colleague))
    investigating(operator, vpn, SupportGroupFactory(tier=2))  # another group, not acknowledged
    acknowledged_by_colleague = investigating(operator, vpn, network)
    escalation.incident_acknowledge(by=colleague, incident_id=acknowledged_by_colleague.pk)

    assert queue_counts(support_member) == {"unacknowledged": 1, "mine": 1, "group": 4, "awaiting": 1, "breached": 1}
    assert queue_counts(colleague) == {"unacknowledged": 1, "mine": 1, "group": 4, "awaiting": 1, "breached": 1}


def test_every_statement_on_incidents_names_the_open_states(client, support_member, work):
    """PostgreSQL reads the partial index ``incidents_open_queue_keys`` only where the condition implies its own: the
    open states, listed as the index lists them. A "not closed" or "not resolved" would read every incident ever
    assigned to the group."""
    client.force_login(support_member)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("queues:queue")).status_code == 200

    on_incidents = [query["sql"] for query in captured.captured_queries if 'FROM "incidents_incident"' in query["sql"]]
    on_incidents = [sql for sql in on_incidents if 'WHERE ("incidents_incident"."id") IN (' not in sql]  # masters
    assert len(on_incidents) == 3  # the tab counts (the pager's count among them), the page's ids, its rows
    assert all(""""incidents_incident"."state" IN ('recorded', 'classified', 'investigating')""" in sql
               for sql in on_incidents)  # fmt: skip


def test_the_pages_of_a_tab_are_counted_with_the_tabs_and_those_of_a_filter_by_themselves(
    client, support_member, work, monkeypatch
):
    monkeypatch.setattr("incidents.views.queues.PAGE_SIZE", 2)
    client.force_login(support_member)

    whole = client.get(reverse("queues:queue"), {"tab": "group"}).text
    narrowed = client.get(reverse("queues:queue"), {"tab": "group", "q": "Fresh"}).text

    assert "Page 1 of 2" in whole  # the tab's three incidents, as its tab says
    assert work["fresh"].number in narrowed and "Page 1 of" not in narrowed and work["carlas"].number not in narrowed


def test_a_bulk_acknowledgement_goes_ahead_where_it_may_and_says_why_not_elsewhere(support_member, operator, work,
                                                                                     network, vpn):  # fmt: skip
    another = investigating(operator, vpn, network, short_description="Second fresh one")

    result = queue_bulk(
        by=support_member,
        action="acknowledge",
        numbers=[work["fresh"].number, another.number, work["mine"].number, work["elsewhere"].number],
    )

    assert result.done == [work["fresh"].number, another.number]
    refused = dict(result.refused)
    assert "already acknowledged" in refused[work["mine"].number]
    assert refused[work["elsewhere"].number] == "not in your groups' queue"
    assert Incident.objects.get(pk=work["elsewhere"].pk).acknowledged_at is None


def test_the_page_takes_quick_and_bulk_actions(client, support_member, colleague, work):
    client.force_login(support_member)
    page = client.get(reverse("queues:queue")).text
    assert work["fresh"].number in page and "Not acknowledged" in page
    assert "resolution overdue" in client.get(reverse("queues:queue"), {"tab": "breached"}).text

    client.post(
        reverse("queues:bulk"),
        {
            "action": "assign",
            "numbers": [work["fresh"].number],
            "assignee": support_member.pk,
            "next": "/queues/?tab=mine",
        },
    )
    response = client.post(
        reverse("queues:bulk"),
        {
            "action": "assign",
            "numbers": [work["fresh"].number],
            "assignee": colleague.pk,
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == reverse("queues:queue")  # never off the site
    assert Incident.objects.get(pk=work["fresh"].pk).assignee == colleague


class Forms(HTMLParser):
    """The forms of a page by id (their action and hidden fields) and its submit buttons (form, name, value, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.buttons: list[dict] = []
        self._form: dict | None = None
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "id" in attrs:
            self._form = self.forms[attrs["id"]] = {"action": attrs.get("action"), "fields": {}}
        elif tag == "input" and attrs.get("type") == "hidden" and self._form is not None:
            self._form["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and "form" in attrs:
            self._button = {**attrs, "text": ""}
            self.buttons.append(self._button)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data


def quick_actions(page: str) -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """The page's forms, and its rows' quick-action buttons by (their text, the incident they name)."""
    parsed = Forms()
    parsed.feed(page)
    return parsed.forms, {(button["text"], button["value"]): button for button in parsed.buttons}


def test_a_rows_quick_actions_post_the_bulk_action_on_its_incident_from_the_page(client, support_member, work):
    client.force_login(support_member)
    url = f"{reverse('queues:queue')}?tab=group"
    forms, buttons = quick_actions(client.get(url).text)

    # Acknowledging is offered on the incident not acknowledged yet; taking it on those assigned to someone else.
    assert {key for key in buttons if key[0] == "Acknowledge"} == {("Acknowledge", work["fresh"].number)}
    assert {key for key in buttons if key[0] == "Take it"} == {
        ("Take it", work["fresh"].number),
        ("Take it", work["carlas"].number),
    }
    button = buttons[("Take it", work["carlas"].number)]
    form = forms[button["form"]]
    assert form["action"] == reverse("queues:bulk")
    assert form["fields"] | {button["name"]: button["value"]} == {
        "csrfmiddlewaretoken": form["fields"]["csrfmiddlewaretoken"],
        "action": "assign",
        "assignee": str(support_member.pk),
        "next": url,
        "numbers": work["carlas"].number,
    }

    response = client.post(form["action"], form["fields"] | {button["name"]: button["value"]})

    assert response["Location"] == url
    assert Incident.objects.get(pk=work["carlas"].pk).assignee == support_member
    assert Incident.objects.get(pk=work["fresh"].pk).assignee is None  # the other rows are left alone
    button = quick_actions(client.get(url).text)[1][("Acknowledge", work["fresh"].number)]
    client.post(reverse("queues:bulk"), forms[button["form"]]["fields"] | {button["name"]: button["value"]})
    assert Incident.objects.get(pk=work["fresh"].pk).acknowledged_at is not None


def test_the_refreshed_results_carry_their_quick_actions_with_the_filters_as_they_stand(client, support_member, work):
    client.force_login(support_member)
    url = f"{reverse('queues:queue')}?tab=group&priority=4"

    forms, buttons = quick_actions(client.get(url, headers={"HX-Request": "true"}).text)

    assert {forms[button["form"]]["fields"]["next"] for button in buttons.values()} == {url}


def test_a_bulk_assignment_only_names_members_of_ones_groups(client, support_member, work):
    stranger = UserFactory(roles=["Support"])
    client.force_login(support_member)

    response = client.post(
        reverse("queues:bulk"), {"action": "assign", "numbers": [work["fresh"].number], "assignee": stranger.pk},
        follow=True,
    )  # fmt: skip

    assert "Tick at least one incident and choose what to do with it." in response.text
    assert Incident.objects.get(pk=work["fresh"].pk).assignee is None


def test_the_queue_is_for_support_work_and_costs_the_same_whatever_its_length(
    client, support_member, manager, operator, network, vpn, django_assert_max_num_queries
):
    client.force_login(manager)
    assert client.get(reverse("queues:queue")).status_code == 403
    client.force_login(support_member)
    assert reverse("queues:queue") in client.get(reverse("home")).text
    counts = []
    for size in (2, 20):
        for _ in range(size - len(counts) * 2):
            investigating(operator, vpn, network)
        with django_assert_max_num_queries(30) as queries:
            assert client.get(reverse("queues:queue"), {"tab": "group"}).status_code == 200
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]
    # The rows show the group and the assignee: the lists' callers and services are not read.
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert (
        'FROM "cmdb_supportgroup"' in read and 'FROM "cmdb_contact"' not in read and 'FROM "cmdb_service"' not in read
    )


def test_the_refresh_returns_only_the_results(client, support_member, work):
    client.force_login(support_member)

    fragment = client.get(reverse("queues:queue"), {"tab": "group"}, headers={"HX-Request": "true"}).text

    assert work["mine"].number in fragment and "<nav" not in fragment


def test_a_p1_comes_before_overdue_p4s_once_acknowledged_and_the_column_shows_the_time_it_sorts_by(
    client, operator, support_member, manager, network, vpn
):
    now = timezone.now()
    late = []
    for summary in ("Printer offline", "Mouse broken"):
        incident = investigating(operator, vpn, network, short_description=summary, impact=Impact.LOW,
                                 urgency=Urgency.LOW)  # fmt: skip
        escalation.incident_acknowledge(by=support_member, incident_id=incident.pk)
        # The service-level clock is its own module; only its due time matters here: long overdue.
        Incident.objects.filter(pk=incident.pk).update(resolution_due_at=now - datetime.timedelta(days=2))
        late.append(incident)
    urgent = record(operator, short_description="Payroll down", impact=Impact.HIGH, urgency=Urgency.HIGH)
    send_serious_notices(operator, urgent)  # a P1 is serious: its notices go out first
    classification.incident_classify(by=operator, incident_id=urgent.pk, category=vpn, impact=Impact.HIGH,
                                     urgency=Urgency.HIGH)  # fmt: skip
    escalation.incident_escalate(by=operator, incident_id=urgent.pk, group=network, reason="Payroll")
    escalation.incident_acknowledge(by=support_member, incident_id=urgent.pk)
    fresh = investigating(operator, vpn, network, short_description="Just handed over", impact=Impact.LOW,
                          urgency=Urgency.LOW)  # fmt: skip

    assert numbers(support_member, "group") == [fresh.number, urgent.number, late[0].number, late[1].number]
    client.force_login(support_member)
    page = client.get(reverse("queues:queue") + "?tab=group").content.decode()
    assert "Not acknowledged first, then by priority, then by the next due time" in page


def test_the_next_due_time_is_the_response_until_it_is_given_then_the_resolution(support_member, work):
    fresh = queue(support_member, tab_named("unacknowledged")).get()
    assert fresh.next_due_at == fresh.response_due_at
    mine = queue(support_member, tab_named("mine")).get()
    assert mine.next_due_at == mine.resolution_due_at


def test_a_reopened_incident_is_marked_in_the_queue_and_waits_to_be_acknowledged_again(
    client, operator, support_member, network, vpn
):
    incident = resolved(operator, vpn, network, support_member)
    resolution.incident_reopen(by=None, incident_id=incident.pk, reason="Still fails from home.", via_caller=True)

    assert numbers(support_member, "unacknowledged") == [incident.number]
    client.force_login(support_member)
    page = client.get(reverse("queues:queue")).content.decode()
    assert '<span class="badge badge-warn">reopened</span>' in page
