"""The header's search box, as the desk uses it: words show a few of each kind while typing, the arrows and Enter
open one, a number opens its record, and an empty box offers the records opened lately."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.cmdb.factories import ConfigurationItemFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import IncidentFactory
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.e2e


def test_the_header_box_finds_records_of_every_kind_and_opens_one_from_the_keyboard(
    live_server, page: Page, operator, docs_screenshot
):
    incident = IncidentFactory(short_description="Label printer in the warehouse prints blank labels")
    known_error = KnownErrorFactory(
        title="Label printer prints blank labels after a ribbon change",
        symptoms="Labels come out blank.",
        published=True,
    )
    ConfigurationItemFactory(name="Label printer WH1")
    sign_in(page, live_server.url, "olivia")

    box = page.get_by_role("searchbox", name="Search everything, or open a number")
    box.fill("label printer")
    panel = page.locator("#site-search-panel")
    expect(panel.get_by_role("link", name=incident.number)).to_be_visible()
    expect(panel.get_by_role("link", name=known_error.number)).to_be_visible()
    expect(panel.get_by_role("link", name="Label printer WH1")).to_be_visible()
    expect(panel.get_by_text("All results for “label printer”")).to_be_visible()
    docs_screenshot(page, "site-search")

    box.press("ArrowDown")
    expect(panel.get_by_role("link", name=incident.number)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(panel.get_by_role("link", name=known_error.number)).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(box).to_be_focused()

    box.press("ArrowDown")  # the list is hidden: nothing moves
    box.fill("label printer blank")
    expect(panel.get_by_role("link", name=incident.number)).to_be_visible()
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + incident.get_absolute_url())


def test_a_number_typed_in_the_box_opens_its_record_and_the_box_remembers_it(live_server, page: Page, operator):
    incident = IncidentFactory(short_description="Forklift terminal cannot reach the WMS")
    digits = str(int(incident.number.removeprefix("INC")))
    sign_in(page, live_server.url, "olivia")

    box = page.get_by_role("searchbox", name="Search everything, or open a number")
    box.fill(digits)
    box.press("Enter")
    expect(page).to_have_url(live_server.url + incident.get_absolute_url())

    page.goto(live_server.url + reverse("incidents:incident_list"))
    page.get_by_role("searchbox", name="Search everything, or open a number").focus()
    recent = page.locator("#site-search-panel")
    expect(recent.get_by_text("Recently opened")).to_be_visible()
    expect(recent.get_by_role("link", name=f"{incident.number} {incident.short_description}")).to_be_visible()
