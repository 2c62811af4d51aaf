"""The incidents demo loaded as these tests need it: without the operator, or on a Thursday afternoon (the other
tests of the demo share one load, ``test_demo.py``)."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from cmdb.demo import load_cmdb_demo
from incidents.demo import load_incidents_demo
from incidents.models import Incident
from incidents.reporting import dashboard
from tests.incidents.demo_data import load_demo

pytestmark = pytest.mark.django_db

# A Thursday afternoon: this week and last week are both well under way.
THURSDAY = datetime.datetime(2026, 11, 26, 14, 30, tzinfo=datetime.UTC)


@pytest.fixture
def demo_on_thursday():
    with time_machine.travel(THURSDAY, tick=False):
        load_demo()
        yield


def test_the_demo_loads_nothing_without_the_operator(db):
    load_cmdb_demo()

    load_incidents_demo()

    assert not Incident.objects.exists()


def test_the_dashboard_has_every_figure_this_week_and_last_week(demo_on_thursday):
    with time_machine.travel(THURSDAY + datetime.timedelta(minutes=1), tick=False):
        for name in ("week", "last-week"):
            figures = dashboard.dashboard(dashboard.period_named(name))
            assert figures.response.whole and figures.response.previous_whole, name
            assert figures.resolution.whole and figures.resolution.previous_whole, name
            assert min(figures.response.percent, figures.resolution.percent) < 100, name
            assert figures.mean_time_to_acknowledge.value and figures.mean_time_to_resolve.value, name
            assert figures.first_contact.part and figures.known_error.whole, name
            assert figures.satisfaction[0] is not None and figures.satisfaction[0] >= 3.5, name
            assert figures.closures["closed"] and figures.closures["automatic"] and figures.closures["confirmed"]
            assert figures.median_logging_seconds, name
            assert figures.repeat_cis, name
            assert figures.classification, name
            assert [incident.serious for incident in figures.serious_now] == [True]
        assert dashboard.dashboard(dashboard.period_named("week")).closures["reopened"] == 1
        month = dashboard.dashboard(dashboard.period_named("30-days"))
        assert month.known_error.part
        assert any(changed for _name, _closed, changed in month.classification)
    ratings = Incident.objects.exclude(satisfaction=None)
    assert set(ratings.values_list("satisfaction", flat=True)) == {1, 2, 3, 4, 5}
    assert ratings.filter(satisfaction__gte=4).count() > 0.7 * ratings.count()
    month = datetime.timedelta(days=28)
    latest = Incident.objects.filter(reported_at__gte=THURSDAY - month).count()
    earlier = Incident.objects.filter(reported_at__gte=THURSDAY - 3 * month, reported_at__lt=THURSDAY - 2 * month)
    assert latest > earlier.count()
