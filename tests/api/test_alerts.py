"""Alerts in: Alertmanager's webhook and the generic form land in the desk's intake, one row per fingerprint
while open; a repeat counts once, a resolution is noted (and journaled on its incident); the desk records or
dismisses them; bad input is a 400 that writes nothing."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActivityKind, Channel, State, Urgency
from incidents.inbound import alert_desk, alert_payloads
from incidents.journal.timeline import timeline
from incidents.models import Activity, Alert, AlertDismissal, AlertState, Incident
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/alerts/"
PROBLEM = "application/problem+json"
# The session, its user (with the bell's and the inbox's counts, its permissions and roles), the paginator's count,
# the mail tabs' and the alert tabs' counts, one page of alerts.
PAGE_QUERIES = 6


def rfc3339(moment: datetime.datetime) -> str:
    """As Go writes a time: UTC, nanoseconds, Z."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def am_alert(*, status="firing", fingerprint="b2d5c7a1e3f40986", instance="db01.example.org:9100",
             starts=None, ends=None, severity="critical", summary="db01.example.org is down"):  # fmt: skip
    starts = starts or timezone.now() - datetime.timedelta(minutes=20)
    return {
        "status": status,
        "labels": {"alertname": "HostDown", "instance": instance, "job": "node", "severity": severity},
        "annotations": {
            "summary": summary,
            "description": f"node_exporter on {instance} has not answered for 5 minutes.",
            "runbook_url": "https://wiki.example.org/runbooks/host-down",
        },
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(ends) if ends else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=up%7Bjob%3D%22node%22%7D+%3D%3D+0&g0.tab=1",
        "fingerprint": fingerprint,
    }


def webhook(*alerts, status="firing"):
    """Alertmanager's webhook body (version 4) as it posts it."""
    return {
        "receiver": "servicedesk",
        "status": status,
        "alerts": list(alerts),
        "groupLabels": {"alertname": "HostDown"},
        "commonLabels": {"alertname": "HostDown", "job": "node"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": '{}/{severity=~"critical|warning"}:{alertname="HostDown"}',
        "truncatedAlerts": 0,
    }


@pytest.fixture
def post(api, operator):
    client = api(operator, name="Alertmanager")

    def posting(body, **extra):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return client.post(URL, data, content_type=extra.pop("content_type", "application/json"), **extra)

    return posting


@pytest.fixture
def db01():
    return ConfigurationItemFactory(name="DB01.example.org")


def test_an_alertmanager_group_lands_in_the_intake_with_its_ci_found_by_name(post, db01):
    response = post(webhook(am_alert(), am_alert(fingerprint="c0ffee", instance="web07:9100", severity="warning")))

    assert response.status_code == 200, response.json()
    assert [item["outcome"] for item in response.json()["alerts"]] == ["new", "new"]
    down = Alert.objects.get(fingerprint="b2d5c7a1e3f40986")
    assert (down.state, down.ci, down.ci_name, down.severity) == (AlertState.INTAKE, db01, db01.name, "critical")
    assert down.title == "db01.example.org is down" and "has not answered" in down.description
    assert down.firings == 1 and down.resolved_at is None and down.link.startswith("http://prometheus")
    other = Alert.objects.get(fingerprint="c0ffee")
    assert (other.ci, other.ci_name) == (None, "web07")  # not in the CMDB: the name is kept
    assert not Incident.objects.exists()


def test_the_same_body_twice_counts_once_and_a_new_firing_counts_on_the_same_row(post):
    first = timezone.now() - datetime.timedelta(hours=1)
    body = webhook(am_alert(starts=first))
    post(body)
    again = post(body)  # Alertmanager's repeat_interval, or a retry
    assert again.json()["alerts"][0]["outcome"] == "repeat"
    assert Alert.objects.get().firings == 1

    later = timezone.now() - datetime.timedelta(minutes=5)
    assert post(webhook(am_alert(starts=later))).json()["alerts"][0]["outcome"] == "fired-again"

    alert = Alert.objects.get()
    assert alert.firings == 2
    assert alert.first_fired_at == first
    assert alert.last_fired_at == later


def test_a_flapping_alert_stays_one_row_with_its_firings_counted(post):
    start = timezone.now() - datetime.timedelta(hours=2)
    for flap in range(5):
        fired = start + datetime.timedelta(minutes=10 * flap)
        post(webhook(am_alert(starts=fired)))
        resolved = am_alert(status="resolved", starts=fired, ends=fired + datetime.timedelta(minutes=3))
        post(webhook(resolved, status="resolved"))

    alert = Alert.objects.get()
    assert alert.firings == 5
    assert alert.resolved_at == start + datetime.timedelta(minutes=43)


def test_resolved_is_noted_on_the_alert_and_a_new_firing_clears_it(post):
    fired = timezone.now() - datetime.timedelta(minutes=30)
    ended = fired + datetime.timedelta(minutes=10)
    post(webhook(am_alert(starts=fired)))

    response = post(webhook(am_alert(status="resolved", starts=fired, ends=ended), status="resolved"))

    assert response.json()["alerts"][0]["outcome"] == "resolved"
    alert = Alert.objects.get()
    assert alert.resolved_at == ended and alert.state == AlertState.INTAKE
    assert post(webhook(am_alert(status="resolved", starts=fired, ends=ended))).json()["alerts"][0]["outcome"] == (
        "repeat"
    )
    post(webhook(am_alert(starts=ended + datetime.timedelta(minutes=1))))
    alert.refresh_from_db()
    assert (alert.firings, alert.resolved_at) == (2, None)


def test_a_resolution_never_seen_firing_changes_nothing(post):
    response = post(webhook(am_alert(status="resolved", ends=timezone.now()), status="resolved"))
    assert response.json()["alerts"] == [
        {"fingerprint": "b2d5c7a1e3f40986", "outcome": "unknown", "alert": None, "state": None, "incident": None}
    ]
    assert not Alert.objects.exists()


def test_the_generic_form_fires_repeats_and_resolves_by_ci_and_title(post, db01):
    body = {"title": "Disk /var 95% full", "ci": "db01.EXAMPLE.org", "severity": "Warning",
            "description": "Free space below 5%."}  # fmt: skip
    assert post(body).json()["alerts"][0]["outcome"] == "new"
    assert post(body).json()["alerts"][0]["outcome"] == "repeat"  # still firing: no start time, no new firing

    alert = Alert.objects.get()
    assert (alert.ci, alert.severity, alert.source, alert.firings) == (db01, "warning", "generic", 1)
    assert post({**body, "status": "resolved"}).json()["alerts"][0]["outcome"] == "resolved"
    assert post(body).json()["alerts"][0]["outcome"] == "fired-again"
    assert Alert.objects.get().firings == 2


def test_a_monitoring_account_needs_only_the_alert_permission(api):
    monitoring = UserFactory(username="monitoring")
    monitoring.user_permissions.add(Permission.objects.get(codename="add_alert", content_type__app_label="incidents"))

    response = api(monitoring).post(URL, {"title": "Backup failed"}, format="json")

    assert response.status_code == 200
    assert Alert.objects.get().title == "Backup failed"


def test_support_a_read_only_token_and_no_token_may_not_post(api, client, support_member, operator):
    body = {"title": "Backup failed"}
    assert api(support_member).post(URL, body, format="json").status_code == 403
    refused = api(operator, writes=False).post(URL, body, format="json")
    assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
    assert client.post(URL, body, content_type="application/json").status_code in (401, 403)
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "non_field_errors"),
        (b"[" * 100_000 + b"]" * 100_000, "non_field_errors"),
        (b'["a list"]', "non_field_errors"),
        ({**webhook(am_alert()), "version": "3"}, "version"),
        (webhook(), "alerts"),
        (webhook(*[am_alert(fingerprint=f"f{n}") for n in range(alert_payloads.MAX_ALERTS + 1)]), "alerts"),
        (webhook({**am_alert(), "labels": ["instance", "db01"]}), "alerts.0.labels"),
        (webhook({**am_alert(), "labels": {"instance": 5}}), "alerts.0.labels.instance"),
        (webhook({**am_alert(), "status": "pending"}), "alerts.0.status"),
        (webhook({**am_alert(), "startsAt": "2026-12-06 07:19"}), "alerts.0.startsAt"),
        (webhook({**am_alert(), "startsAt": "yesterday"}), "alerts.0.startsAt"),
        (webhook({**am_alert(), "fingerprint": "x" * 201}), "alerts.0.fingerprint"),
        (webhook({**am_alert(), "annotations": {"summary": "nul \u0000 byte"}}), "alerts.0.annotations.summary"),
        (webhook("an alert"), "alerts.0"),
        ({"title": ""}, "title"),
        ({"title": "Disk full", "sevrity": "critical"}, "sevrity"),
        ({"title": ["Disk full"]}, "title"),
        ({"title": "Disk full", "status": "ok"}, "status"),
    ],
)
def test_bad_input_is_a_400_problem_that_writes_nothing(post, body, field):
    response = post(body)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
    assert not Alert.objects.exists()


def test_too_large_and_not_json_are_refused_before_reading(post):
    assert post({"title": "x" * (alert_payloads.MAX_BYTES + 1)}).status_code == 413
    response = post("title=Disk+full", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response["Content-Type"] == PROBLEM
    assert not Alert.objects.exists()


# --- the desk's intake --------------------------------------------------------------------------------


def test_the_intake_lists_open_alerts_with_a_fixed_number_of_queries(post, client, operator, django_assert_num_queries):
    client.force_login(operator)
    url = reverse("incidents:inbox")

    def page_with(count: int):
        Alert.objects.all().delete()
        post(webhook(*[am_alert(fingerprint=f"fp{n}", instance=f"web{n:02d}:9100") for n in range(count)]))
        with django_assert_num_queries(PAGE_QUERIES):
            return client.get(url, {"tab": "alerts"})

    page_with(2)
    page = page_with(20)

    html = page.content.decode()
    assert "web19" in html and "db01.example.org is down" in html and "Firing" in html
    assert f"{reverse('incidents:record')}?alert=" in html
    inbox_link = next(link for link in page.context["navigation"] if link.url == url)
    assert inbox_link.count == 20


def test_recording_an_alert_fills_the_form_from_it_and_links_it(post, client, operator, db01):
    caller = ContactFactory(first_name="Network", last_name="Operations")
    post(webhook(am_alert(instance="db01.example.org:9100")))
    alert = Alert.objects.get()
    client.force_login(operator)

    form = client.get(reverse("incidents:record"), {"alert": alert.pk}).context["form"]

    assert form["short_description"].value() == "db01.example.org is down"
    assert form["channel"].value() == Channel.MONITORING and form["cis"].value() == db01.name
    assert form["urgency"].value() == Urgency.HIGH and form["alert"].value() == alert.pk
    assert "HostDown" in form["symptoms"].value() and "has not answered" in form["symptoms"].value()

    data = {
        "caller": caller.full_name, "caller_id": caller.pk, "short_description": "db01 down",
        "symptoms": form["symptoms"].value(), "channel": Channel.MONITORING, "occurred_at": "-20m",
        "cis": db01.name, "affected_users": 1, "impact": 2, "urgency": 1, "alert": alert.pk,
    }  # fmt: skip
    response = client.post(reverse("incidents:record"), data)

    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == incident.get_absolute_url()
    alert.refresh_from_db()
    assert (alert.state, alert.incident, alert.decided_by) == (AlertState.RECORDED, incident, operator)
    assert list(incident.cis.all()) == [db01] and incident.channel == Channel.MONITORING
    again = client.post(reverse("incidents:record"), data)
    assert again["Location"] == reverse("incidents:inbox") + "?tab=alerts" and Incident.objects.count() == 1


def test_monitoring_notes_on_the_incident_when_it_resolves_or_fires_again(post, operator):
    fired = timezone.now() - datetime.timedelta(minutes=30)
    post(webhook(am_alert(starts=fired)))
    alert = Alert.objects.get()
    incident = _record_alert(operator, alert)

    post(webhook(am_alert(status="resolved", starts=fired, ends=fired + datetime.timedelta(minutes=5))))
    post(webhook(am_alert(starts=fired + datetime.timedelta(minutes=9))))

    notes = list(Activity.objects.filter(incident=incident, kind=ActivityKind.NOTE).order_by("pk"))
    assert ["resolved at" in notes[0].text, "firing again (2 firings)" in notes[1].text] == [True, True]
    assert notes[0].author is None and notes[0].data["via"] == "monitoring"
    assert notes[0].data["through"] == "API token “Alertmanager”"
    assert {entry.author for entry in timeline(incident) if entry.entry.kind == ActivityKind.NOTE} == {"monitoring"}
    assert Alert.objects.get().firings == 2  # the same row: its incident is open


def test_dismissing_needs_a_reason_keeps_who_and_a_later_firing_is_a_new_alert(post, client, operator):
    fired = timezone.now() - datetime.timedelta(minutes=20)
    post(webhook(am_alert(starts=fired)))
    alert = Alert.objects.get()
    client.force_login(operator)
    url = reverse("incidents:inbox_alert_dismiss", args=[alert.pk])

    refused = client.post(url, {"dismiss-dismissal": AlertDismissal.OTHER})
    assert refused.status_code == 400 and "Say why this alert is not an incident." in refused.content.decode()

    done = client.post(url, {"dismiss-dismissal": AlertDismissal.PLANNED})

    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.state, alert.dismissal, alert.decided_by) == (AlertState.DISMISSED, "planned", operator)
    decided = client.get(reverse("incidents:inbox"), {"tab": "alerts-decided"}).content.decode()
    assert "Planned work or a change" in decided
    assert (
        post(webhook(am_alert(starts=fired))).json()["alerts"][0]["outcome"] == "repeat"
    )  # the dismissed firing, resent
    assert post(webhook(am_alert(starts=timezone.now()))).json()["alerts"][0]["outcome"] == "new"
    assert Alert.objects.filter(state=AlertState.INTAKE).count() == 1 and Alert.objects.count() == 2


def test_an_alert_page_shows_what_monitoring_said_and_links_only_to_the_web(post, client, operator, db01):
    post(webhook({**am_alert(), "generatorURL": "javascript:alert(1)"}))
    alert = Alert.objects.get()
    client.force_login(operator)

    html = client.get(reverse("incidents:inbox_alert", args=[alert.pk])).content.decode()

    assert "HostDown" in html and "has not answered" in html and db01.get_absolute_url() in html
    assert "https://wiki.example.org/runbooks/host-down" in html  # an annotation
    assert "javascript:alert(1)" in html and 'href="javascript:' not in html
    assert f"{reverse('incidents:record')}?alert={alert.pk}" in html and 'name="dismiss-dismissal"' in html


def test_support_neither_reads_nor_decides_alerts(post, client, support_member):
    post(webhook(am_alert()))
    alert = Alert.objects.get()
    client.force_login(support_member)

    assert client.get(reverse("incidents:inbox_alert", args=[alert.pk])).status_code == 403
    dismissal = {"dismiss-dismissal": AlertDismissal.NOISE}
    assert client.post(reverse("incidents:inbox_alert_dismiss", args=[alert.pk]), dismissal).status_code == 403
    assert Alert.objects.get().state == AlertState.INTAKE


# --- the automatic rule -------------------------------------------------------------------------------


def test_no_alert_is_recorded_automatically_by_default(post, settings):
    ContactFactory(email="noc@example.org")
    settings.ALERTS_CALLER = "noc@example.org"
    post(webhook(am_alert(severity="critical")))
    assert Alert.objects.get().state == AlertState.INTAKE and not Incident.objects.exists()


def test_the_rule_records_its_severities_as_the_posting_account_journaled(post, settings, operator):
    noc = ContactFactory(email="noc@example.org")
    settings.ALERTS_AUTO_RECORD, settings.ALERTS_CALLER = ["critical"], "NOC@example.org"

    response = post(webhook(am_alert(severity="critical"), am_alert(fingerprint="w1", severity="warning")))

    critical, warning = response.json()["alerts"]
    incident = Incident.objects.get()
    assert critical["incident"] == incident.number and critical["state"] == AlertState.RECORDED
    assert warning["incident"] is None and warning["state"] == AlertState.INTAKE
    assert (incident.caller, incident.desk_owner, incident.channel) == (noc, operator, Channel.MONITORING)
    assert incident.state == State.RECORDED and incident.urgency == Urgency.HIGH
    note = incident.journal.get(kind=ActivityKind.NOTE)
    assert "Recorded automatically" in note.text and note.data["through"] == "API token “Alertmanager”"


def test_the_rule_without_a_caller_leaves_the_alert_waiting_with_the_reason(post, settings):
    settings.ALERTS_AUTO_RECORD, settings.ALERTS_CALLER = ["critical"], ""

    post(webhook(am_alert(severity="critical")))

    alert = Alert.objects.get()
    assert alert.state == AlertState.INTAKE and "ALERTS_CALLER" in alert.reason
    assert not Incident.objects.exists()


def _record_alert(operator, alert: Alert) -> Incident:
    fields = alert_desk.record_fields(alert, ContactFactory())
    return alert_desk.alert_record(by=operator, alert_id=alert.pk, **fields)
