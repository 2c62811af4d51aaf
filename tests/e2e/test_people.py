"""The people panel in a real browser: the operator finds a contact as they type, keeps them informed, and
sees who is told what."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidents.models import IncidentPerson, OutboxMessage
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import investigating
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def test_the_desk_keeps_a_contact_informed_from_the_incident_page(
    live_server, page: Page, operator, support_member, docs_screenshot
):
    network = SupportGroupFactory(name="Network operations", members=[support_member])
    incident = investigating(operator, CategoryFactory(name="VPN"), network, short_description="VPN drops hourly")
    ContactFactory(first_name="Lea", last_name="Lindqvist", email="lea.lindqvist@example.org")
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())

    panel = page.locator("section", has=page.get_by_role("heading", name="Kept informed"))
    expect(panel.get_by_text("Caller", exact=False).first).to_be_visible()
    panel.get_by_text("Also keep informed…").click()
    panel.get_by_role("combobox", name="A contact").press_sequentially("lindq")
    # The best match first: the incident's caller has a random name, which the search may find too when it is
    # near "lindq" (it forgives typos).
    expect(panel.locator("#people-contact-results").get_by_role("option").first).to_contain_text("Lea Lindqvist")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    panel.get_by_role("button", name="Keep informed").click()

    expect(page.get_by_text("Lea Lindqvist is kept informed from now on.")).to_be_visible()
    panel = page.locator("section", has=page.get_by_role("heading", name="Kept informed"))
    expect(panel.get_by_text("Kept informed at the desk's request")).to_be_visible()
    panel.scroll_into_view_if_needed()
    docs_screenshot(page, "people-panel")
    assert IncidentPerson.objects.filter(incident=incident, contact__last_name="Lindqvist").exists()
    assert OutboxMessage.objects.filter(kind="kept_informed", recipient="lea.lindqvist@example.org").exists()

    panel.get_by_role("button", name="Stop keeping Lea Lindqvist informed").click()
    expect(page.get_by_text("Lea Lindqvist is no longer kept informed.").first).to_be_visible()
    assert not IncidentPerson.objects.filter(incident=incident).exists()
