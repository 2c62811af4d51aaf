"""Finding things in the lists: a category by any part of its path, an incident by its number or a misspelt
word, and the incident list opening on what is still open."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.choices import State
from incidents.models import Incident
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import IncidentFactory
from tests.incidents.workflow import record
from tests.knowledge.factories import CategoryFactory, ProblemFactory

pytestmark = pytest.mark.e2e


def category_tree() -> dict[str, object]:
    hardware = CategoryFactory(name="Hardware")
    printer = CategoryFactory(name="Printer", parent=hardware)
    network = CategoryFactory(name="Network")
    return {
        "paper jam": CategoryFactory(name="Paper jam", parent=printer),
        "toner": CategoryFactory(name="Toner", parent=printer),
        "vpn": CategoryFactory(name="VPN", parent=network),
        "printer": printer,
        "hardware": hardware,
        "network": network,
    }


def test_the_desk_finds_a_category_by_any_part_of_its_path(live_server, page: Page, operator, output_path):
    tree = category_tree()
    incident = record(operator, short_description="The printer on the third floor jams")
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + reverse("incidents:step", args=[incident.number, "classify"]))

    box = page.get_by_role("combobox", name="Category")
    options = page.get_by_role("listbox", name="Category").get_by_role("option")
    box.focus()
    page.keyboard.press("ArrowDown")  # an empty box lists every category, by its full path
    expect(options).to_have_text(
        ["Hardware", "Hardware / Printer", "Hardware / Printer / Paper jam", "Hardware / Printer / Toner",
         "Network", "Network / VPN"]
    )  # fmt: skip
    page.keyboard.type("print")
    expect(options).to_have_count(3)
    page.keyboard.type(" jam")
    expect(options).to_have_text(["Hardware / Printer / Paper jam"])
    page.screenshot(path=Path(output_path) / "category-search.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Hardware / Printer / Paper jam")
    expect(options).to_have_count(0)
    page.keyboard.press("Control+Enter")

    expect(page.get_by_text(f"{incident.number} classified.")).to_be_visible()
    incident.refresh_from_db()
    assert incident.category == tree["paper jam"]


def test_a_category_typed_but_not_chosen_is_not_taken(live_server, page: Page, operator):
    category_tree()
    incident = record(operator)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + reverse("incidents:step", args=[incident.number, "classify"]))

    page.get_by_role("combobox", name="Category").fill("printer")
    page.keyboard.press("Enter")  # three match: Enter chooses none and does not send the form
    expect(page.get_by_role("listbox", name="Category").get_by_role("option")).to_have_count(3)
    page.keyboard.press("Tab")
    expect(page.get_by_role("combobox", name="Category")).to_have_value("")
    page.keyboard.press("Control+Enter")

    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert Incident.objects.get().category is None


def test_the_problem_list_filters_by_a_category_found_by_typing(live_server, page: Page, support_member):
    tree = category_tree()
    ProblemFactory(title="Tray 2 jams on double-sided prints", category=tree["paper jam"])
    ProblemFactory(title="VPN drops every hour", category=tree["vpn"])
    sign_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/knowledge/problems/")

    page.get_by_role("combobox", name="Category").fill("vpn")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"category={tree['vpn'].pk}"))
    expect(page.locator("#results")).to_contain_text("VPN drops every hour")
    expect(page.locator("#results")).not_to_contain_text("Tray 2 jams")


def test_the_incident_list_opens_on_open_incidents_and_finds_numbers_and_misspelt_words(
    live_server, page: Page, operator, docs_screenshot
):
    outlook = IncidentFactory(short_description="Outlook keeps asking for the password")
    IncidentFactory(short_description="Outlook asks for my password after the change", state=State.CLASSIFIED)
    vpn = IncidentFactory(short_description="VPN connection drops every few minutes", state=State.INVESTIGATING)
    closed = IncidentFactory(short_description="Printer offline on the third floor", state=State.CLOSED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")  # the statistics autovacuum keeps, that typos are read from
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/")
    results = page.locator("#results")
    search = page.get_by_role("searchbox", name="Search", exact=True)

    expect(page.get_by_label("State")).to_have_value("open")
    expect(results).to_contain_text("3 open incidents")
    expect(results).not_to_contain_text(closed.number)

    search.fill(str(int(closed.number.removeprefix("INC"))))  # "1003": found in any state
    expect(results.get_by_role("link", name=closed.number)).to_be_visible()
    expect(results).to_contain_text("1 incident")
    search.fill(f"inc{int(vpn.number.removeprefix('INC'))}")
    expect(results.get_by_role("link", name=vpn.number)).to_be_visible()
    expect(results).to_contain_text("1 incident")

    search.fill("outlok pasword")
    expect(results.get_by_role("link", name=outlook.number)).to_be_visible()
    expect(results).to_contain_text("2 open incidents")
    expect(results).not_to_contain_text(vpn.number)
    docs_screenshot(page, "incident-list-search")

    search.fill("printer")
    expect(results).to_contain_text("No open incident matches these filters.")
    results.get_by_role("link", name="Search all states").click()
    expect(page.get_by_label("State")).to_have_value("all")
    expect(results.get_by_role("link", name=closed.number)).to_be_visible()
    expect(page).to_have_url(re.compile(r"state=all"))
