"""The serious-incident gate on the page: while the notices are pending, the desk is offered the notices and
work notes only; once both are out, the rest of the incident's work comes back."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from cmdb.choices import SupportTier
from incidents.choices import Impact, Priority, Urgency
from incidents.models import BusinessCalendar, ServiceLevel, ServiceLevelTarget, WorkingPeriod
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import investigating
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def around_the_clock() -> None:
    """A default service level on a 24x7 calendar (a browser test's database starts without the migrated one)."""
    calendar = BusinessCalendar.objects.create(name="24x7", time_zone="UTC")
    WorkingPeriod.objects.bulk_create(
        WorkingPeriod(calendar=calendar, weekday=day, start=datetime.time(0), end=datetime.time(23, 59))
        for day in range(7)
    )
    ServiceLevel.objects.filter(is_default=True).update(is_default=False)
    level = ServiceLevel.objects.create(name="Around the clock", calendar=calendar, is_default=True)
    ServiceLevelTarget.objects.bulk_create(
        ServiceLevelTarget(service_level=level, priority=priority, response_minutes=60, resolution_minutes=480)
        for priority in Priority.values
    )


def test_a_gated_serious_incident_offers_only_the_notices_and_work_notes_until_both_are_sent(
    live_server, page: Page, operator, support_member, manager
):
    around_the_clock()
    network = SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])
    incident = investigating(operator, CategoryFactory(name="VPN"), network, short_description="VPN down")
    # A call from a whole floor raises it to the top priority: serious, its notices due.
    calls.incident_add_call(
        by=operator,
        incident_id=incident.pk,
        caller=ContactFactory(email="x@example.org"),
        symptoms="Nobody on the floor gets in.",
        impact=Impact.HIGH,
        urgency=Urgency.HIGH,
    )

    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}{incident.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Serious incident: two notices first")).to_be_visible()
    expect(page.get_by_role("button", name="Wait on the caller (pause the clock)")).to_have_count(0)
    expect(page.get_by_role("link", name="Change details")).to_have_count(0)
    expect(page.get_by_label("Customer update (mailed to the people kept informed)")).to_have_count(0)
    expect(page.get_by_label("Work note (internal)")).to_be_visible()

    page.get_by_role("button", name="Notify management").click()
    expect(page.get_by_text("Management has been notified.")).to_be_visible()
    page.get_by_role("button", name="Send to the affected users").click()
    expect(page.get_by_text("The affected users have been informed.")).to_be_visible()

    expect(page.get_by_role("heading", name="Serious incident: two notices first")).to_have_count(0)
    expect(page.get_by_role("button", name="Wait on the caller (pause the clock)")).to_be_visible()
    expect(page.get_by_role("link", name="Change details")).to_be_visible()
    expect(page.get_by_label("Customer update (mailed to the people kept informed)")).to_be_visible()
