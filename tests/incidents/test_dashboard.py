"""The managers' dashboard figures against values worked out by hand on a small set of incidents."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ClosureReason
from incidents.lifecycle import resolution
from incidents.reporting import reports
from incidents.reporting.charts import bar_chart
from incidents.reporting.dashboard import Period, dashboard, period_named
from knowledge.models import Problem
from tests.cmdb.factories import ConfigurationItemFactory, ServiceFactory
from tests.incidents.factories import IncidentFactory, RootCauseFactory
from tests.incidents.workflow import resolved
from tests.knowledge.factories import CategoryFactory, KnownErrorFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate(NOW)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def at(days_ago: float, hours: float = 0) -> datetime.datetime:
    return NOW - days_ago * DAY + hours * HOUR


@pytest.fixture
def week(network):
    """Two incidents resolved and closed this week, one resolved the week before, two open now."""
    vpn, certificates = CategoryFactory(name="VPN"), CategoryFactory(name="Certificates")
    mail, erp = ServiceFactory(name="Mail"), ServiceFactory(name="ERP")
    gateway = ConfigurationItemFactory(name="vpn-gw-01")
    by_group = IncidentFactory(
        state="closed", reported_at=at(3), acknowledged_at=at(3, 0.5), responded_at=at(3, 0.5), response_met=True,
        resolved_at=at(2), resolution_met=False, closed_at=at(1), assigned_group=network, category=vpn,
        root_cause_category=certificates, satisfaction=4, confirmed_at=at(1.5), service=mail, logging_seconds=40,
        cis=[gateway],
    )  # fmt: skip
    first_line = IncidentFactory(
        state="closed", reported_at=at(2), resolved_at=at(2, 1), resolution_met=True, closed_at=at(1),
        closed_automatically=True, category=vpn, root_cause_category=vpn, known_error=KnownErrorFactory(),
        service=mail, logging_seconds=60, cis=[gateway],
    )  # fmt: skip
    IncidentFactory(
        state="resolved", reported_at=at(10), resolved_at=at(9), resolution_met=True, assigned_group=network,
        logging_seconds=10,
    )  # fmt: skip
    serious = IncidentFactory(
        reported_at=at(1), priority=1, impact=1, urgency=1, serious=True, assigned_group=network, service=erp,
        logging_seconds=100, cis=[gateway],
    )  # fmt: skip
    IncidentFactory(reported_at=at(0.5), priority=4)
    return {"by_group": by_group, "first_line": first_line, "serious": serious, "network": network}


def test_the_figures_of_a_week_against_the_week_before(week):
    figures = dashboard(Period(TODAY - 6 * DAY, TODAY, "the last 7 days"))

    assert figures.serious_now == [week["serious"]]
    assert [(label, n) for _, label, n in figures.backlog_by_priority if n] == [("P1 · Critical", 1), ("P4 · Low", 1)]
    assert figures.backlog_by_group == [(week["network"].pk, "Network operations", 1), (None, "Service desk", 1)]
    assert (figures.response.part, figures.response.whole, figures.response.percent) == (1, 1, 100.0)
    assert (figures.resolution.percent, figures.resolution.previous_percent) == (50.0, 100.0)
    assert figures.mean_time_to_acknowledge.value == datetime.timedelta(minutes=30)
    assert figures.mean_time_to_resolve.value == datetime.timedelta(hours=12, minutes=30)  # (24 h + 1 h) / 2
    assert figures.mean_time_to_resolve.previous == DAY
    assert (figures.first_contact.part, figures.first_contact.whole) == (1, 2)
    assert (figures.known_error.part, figures.known_error.whole) == (1, 2)
    assert figures.satisfaction == (4.0, 1)
    assert figures.closures == {"closed": 2, "confirmed": 1, "automatic": 1, "reopened": 0}
    assert figures.classification == [("VPN", 2, 1)]
    assert figures.median_logging_seconds == 60.0
    assert [(name, n) for _, name, n in figures.top_services] == [("Mail", 2), ("ERP", 1)]
    assert [(name, n) for _, name, n in figures.repeat_cis] == [("vpn-gw-01", 3)]
    assert sum(reported for _, reported, _ in figures.trend) == 4
    assert sum(resolved for _, _, resolved in figures.trend) == 2


def test_a_rejected_fix_counts_as_reopened_and_its_resolution_no_more(operator, support_member, network, vpn):
    incident = resolved(operator, vpn, network, support_member)
    this_week = period_named("week")
    assert dashboard(this_week).resolution.whole == 1

    resolution.incident_reopen(by=operator, incident_id=incident.pk, reason="The caller says it fails again.")

    figures = dashboard(this_week)
    assert figures.closures["reopened"] == 1
    assert (figures.resolution.whole, figures.mean_time_to_resolve.value) == (0, None)
    assert figures.backlog_by_group == [(network.pk, "Network operations", 1)]


def test_the_dashboard_costs_the_same_queries_whatever_the_data(week, django_assert_num_queries):
    period = Period(TODAY - 6 * DAY, TODAY, "the last 7 days")
    # The day figures' sums, plus two reads of the incidents closed in the period (early closures and phone
    # ratings; root causes), each one index-only scan.
    with django_assert_num_queries(10) as small:
        dashboard(period)
    for _ in range(20):
        IncidentFactory(reported_at=at(2), resolved_at=at(1), resolution_met=True, logging_seconds=30)

    with django_assert_num_queries(len(small.captured_queries)):
        dashboard(period)


def test_the_periods_of_the_picker():
    wednesday = datetime.datetime(2026, 11, 25, 15, 0, tzinfo=timezone.get_current_timezone())

    this_week = period_named("week", now=wednesday)
    last_month = period_named("last-month", now=wednesday)

    def days(period):
        return (period.first, period.last)

    assert days(this_week) == (datetime.date(2026, 11, 23), wednesday.date())
    assert days(this_week.previous) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 22))
    assert days(last_month) == (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    assert days(last_month.previous) == (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    assert timezone.localtime(last_month.end) == datetime.datetime(2026, 11, 1, tzinfo=timezone.get_current_timezone())
    thirty = period_named("30-days", now=wednesday)
    assert (thirty.first, thirty.previous.first, thirty.previous.last) == (
        datetime.date(2026, 10, 27),
        datetime.date(2026, 9, 27),
        datetime.date(2026, 10, 26),
    )
    assert period_named("nonsense", now=wednesday) == this_week


def test_a_chart_scales_its_bars_to_the_largest_value():
    chart = bar_chart(title="Incidents", description="Per day", series=("reported", "resolved"),
                      rows=[("Mon", (4, 2)), ("Tue", (0, 1))])  # fmt: skip

    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert (tallest.label, tallest.value, tallest.y) == ("Mon", 4, 10)
    assert [bar.height for bar in chart.bars if bar.value == 0] == [0]
    assert chart.rows == (("Mon", (4, 2)), ("Tue", (0, 1)))


def test_managers_follow_a_figure_to_the_list_behind_it(client, manager, week):
    client.force_login(manager)

    page = client.get(reverse("incidents:dashboard"), {"period": "30-days"}).text

    assert week["serious"].number in page and "Resolved at first contact" in page
    assert '<svg viewBox="0 0 600 160" role="img"' in page
    link = re.search(
        r'href="([^"]*no_group=true[^"]*resolved_from[^"]*)"|href="([^"]*resolved_from[^"]*no_group=true[^"]*)"', page
    )
    listing = client.get(html.unescape(link.group(1) or link.group(2))).text
    assert week["first_line"].number in listing and week["by_group"].number not in listing


def test_the_dashboard_is_for_managers_and_the_desk(client, support_member, operator):
    client.force_login(support_member)
    assert client.get(reverse("incidents:dashboard")).status_code == 403
    client.force_login(operator)
    assert client.get(reverse("incidents:dashboard")).status_code == 200


def test_the_page_costs_the_same_queries_whatever_the_data(client, manager, week, django_assert_max_num_queries):
    client.force_login(manager)
    counts = []
    for extra in (0, 20):
        for _ in range(extra):
            IncidentFactory(reported_at=at(2), resolved_at=at(1), resolution_met=True, logging_seconds=30)
        with django_assert_max_num_queries(40) as queries:
            client.get(reverse("incidents:dashboard"))
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]


def test_a_problem_is_raised_from_repeat_incidents_and_linked_to_them(client, manager, week):
    client.force_login(manager)
    url = reverse("incidents:raise_problem", args=[week["serious"].cis.get().pk]) + "?period=30-days"

    form = client.get(url).text
    assert "Repeated incidents on vpn-gw-01" in form and week["by_group"].number in form
    response = client.post(url, {"title": "Repeated incidents on vpn-gw-01", "description": "Three in a week.",
                                 "state": "open", "cis": "vpn-gw-01"})  # fmt: skip

    problem = Problem.objects.get()
    assert response["Location"] == problem.get_absolute_url()
    week["serious"].refresh_from_db()
    week["by_group"].refresh_from_db()
    assert week["serious"].problem == problem  # open: linked
    assert week["by_group"].problem is None  # closed: history


def week_report(dimension: str):
    today = timezone.localdate()
    period = reports.period_between(today - 6 * DAY, today)
    return {row.name: row for row in reports.report(period=period, dimension=reports.DIMENSIONS[dimension])}


def test_the_report_per_service_gives_each_service_its_figures(week):
    rows = week_report("service")

    mail = rows["Mail"]
    assert (mail.reported, mail.resolved, mail.resolution_percent, mail.closed, mail.satisfaction) == (
        2,
        2,
        50.0,
        2,
        4.0,
    )
    assert mail.mean_time_to_resolve == datetime.timedelta(hours=12, minutes=30)
    assert mail.mean_time_to_acknowledge == datetime.timedelta(minutes=30)
    assert (mail.first_contact_percent, mail.known_error_percent) == (50.0, 50.0)
    assert (rows["ERP"].reported, rows["ERP"].resolved) == (1, 0)
    assert rows["No service"].reported == 1  # last week's incident is outside the period


def test_the_report_per_group_counts_the_desks_own_work(week):
    rows = week_report("group")

    assert rows["Service desk"].resolved == 1 and rows["Service desk"].first_contact_percent == 100.0
    assert rows["Network operations"].reported == 2


def test_a_report_is_exported_as_csv_and_bad_dates_are_refused(client, manager, week):
    client.force_login(manager)
    today = timezone.localdate()
    query = {"by": "service", "start": (today - 6 * DAY).isoformat(), "end": today.isoformat()}

    response = client.get(reverse("incidents:reports"), {**query, "export": "csv"})
    lines = response.content.decode().splitlines()

    assert response["Content-Disposition"].startswith('attachment; filename="incidents-per-service-')
    assert lines[0].startswith("Service,Reported,Resolved,Resolved in time (%),Mean time to resolve (hours),")
    assert "Mail,2,2,50.0,12.5,0.5,50.0,50.0,2,4.0" in lines
    page = client.get(reverse("incidents:reports"), query).text
    assert "<td>12 h 30 min</td>" in page
    assert "(hours)" not in page  # the page writes durations out
    refused = client.get(reverse("incidents:reports"), {**query, "end": (today - 10 * DAY).isoformat()})
    assert refused.status_code == 400 and "The period ends before it starts." in refused.text
    out_of_range = client.get(reverse("incidents:reports"), {**query, "start": "0001-01-01", "end": "0001-01-05"})
    assert out_of_range.status_code == 400 and "Choose a day from 1970 to 2999." in out_of_range.text


def test_the_dashboard_is_found_at_its_short_address_with_its_period(client, manager):
    client.force_login(manager)

    response = client.get("/dashboard/?period=last-month")

    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:dashboard") + "?period=last-month"


def test_each_share_on_the_page_is_compared_with_the_period_before(client, manager, week):
    client.force_login(manager)

    page = client.get(reverse("incidents:dashboard"), {"period": "30-days"}).text

    # responses, resolutions, both mean times, first contact and known errors
    assert page.count("the period before: ") == 6


def test_an_unknown_period_shows_this_week_and_marks_it(client, manager):
    client.force_login(manager)

    page = client.get(reverse("incidents:dashboard"), {"period": "fortnight"}).text

    assert re.search(r'href="\?period=week" aria-current="page">This week<', page)
    assert "Dashboard: This week" in page


def test_early_closures_phone_ratings_and_root_causes_are_counted_apart(week):
    cable, change = RootCauseFactory(name="Hardware failure"), RootCauseFactory(name="Caused by a change")
    IncidentFactory(state="closed", reported_at=at(3), resolved_at=at(2), closed_at=at(1.9), root_cause=cable,
                    closure_reason=ClosureReason.CONFIRMED_BY_PHONE, satisfaction_by_phone=2)  # fmt: skip
    IncidentFactory(state="closed", reported_at=at(3), resolved_at=at(2), closed_at=at(1.8), root_cause=cable,
                    closure_reason=ClosureReason.CALLER_UNREACHABLE)  # fmt: skip
    IncidentFactory(state="closed", reported_at=at(3), resolved_at=at(2), closed_at=at(1), root_cause=change,
                    satisfaction=5, confirmed_at=at(1.5))  # fmt: skip

    figures = dashboard(Period(TODAY - 6 * DAY, TODAY, "the last 7 days"))

    early = dict(figures.closed_early)
    assert early["The caller confirmed the fix by phone or in person"] == 1
    assert early["The caller could not be reached after several attempts"] == 1
    assert early["Duplicate of another incident, closed with it"] == 0
    assert figures.satisfaction_by_phone == (2.0, 1)  # the desk's record of a phone call, apart
    assert figures.satisfaction == (4.5, 2)  # the callers' own: the week's 4 and this 5
    assert figures.root_causes == [
        ("Hardware failure", 2),
        ("None given (closed automatically)", 2),
        ("Caused by a change", 1),
    ]


def test_the_dashboard_page_shows_the_root_causes_and_the_early_closures(client, manager, week):
    IncidentFactory(state="closed", reported_at=at(3), resolved_at=at(2), closed_at=at(1.9),
                    root_cause=RootCauseFactory(name="Capacity"), closure_reason=ClosureReason.DUPLICATE)  # fmt: skip
    client.force_login(manager)

    page = client.get(reverse("incidents:dashboard") + "?period=30-days").content.decode()

    assert "Root causes" in page and '<th scope="row">Capacity</th>' in page
    assert "Closed early: Duplicate of another incident, closed with it" in page
    assert "Satisfaction given by phone" in page


def test_the_report_counts_by_root_cause(week):
    IncidentFactory(state="closed", reported_at=at(3), resolved_at=at(2), closed_at=at(1.9),
                    root_cause=RootCauseFactory(name="Capacity"), closure_reason=ClosureReason.DUPLICATE)  # fmt: skip

    rows = week_report("cause")

    assert rows["Capacity"].closed == 1
    assert rows["No root cause given"].reported >= 1
