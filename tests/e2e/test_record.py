"""Logging a call in a real browser, with the keyboard only."""

from __future__ import annotations

import re

import factory
import pytest
from playwright.sync_api import Page, expect

from cmdb.choices import Criticality
from cmdb.models import Service
from incidents.models import Incident
from tests.cmdb.factories import ConfigurationItemFactory, ContactFactory, LocationFactory, ServiceFactory
from tests.e2e.test_cmdb import sign_in
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.e2e


def test_an_operator_logs_a_call_without_touching_the_mouse(live_server, page: Page, operator):
    caller = ContactFactory(first_name="Anna", last_name="Janssen", phone="020 555 1234")
    ConfigurationItemFactory(name="exchange-01")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.keyboard.type("janssen")  # the caller box has the focus
    expect(page.locator("#caller-results").get_by_role("option")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Caller")).to_have_value("Anna Janssen")

    page.keyboard.press("Tab")
    page.keyboard.type("Outlook keeps asking for my password")
    page.keyboard.press("Tab")
    page.keyboard.type("Every few minutes since this morning.")
    page.get_by_role("combobox", name="Find a configuration item").focus()
    page.keyboard.type("exchange")
    expect(page.locator("#ci-results").get_by_role("option", name=re.compile("exchange-01"))).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Configuration items", exact=True)).to_have_value("exchange-01")
    page.get_by_label("Impact").focus()
    page.keyboard.press("ArrowUp")  # Low → Medium
    expect(page.locator("#priority-preview")).to_contain_text("P3")
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} Outlook keeps asking"))).to_be_visible()
    incident = Incident.objects.get()
    assert incident.caller == caller
    assert [ci.name for ci in incident.cis.all()] == ["exchange-01"]
    assert incident.impact == 2


def test_an_operator_finds_the_similar_incident_and_records_a_subordinate(
    live_server, page: Page, operator, docs_screenshot
):
    from django.utils import timezone

    from incidents.recording import calls

    master = calls.incident_record(
        by=operator, caller=ContactFactory(), short_description="Payroll export to the bank fails",
        symptoms="The export stops with an error about the bank file.", occurred_at=timezone.now(), impact=2, urgency=2,
    )  # fmt: skip
    KnownErrorFactory(
        title="Payroll export fails: the bank file is refused",
        symptoms="The payroll export stops with an error about the bank file format.",
        workaround="Export again with the SEPA 2019 format chosen under Settings.",
        published=True,
    )
    ContactFactory(first_name="Anna", last_name="Janssen")
    page.set_viewport_size({"width": 1366, "height": 900})  # a desk's laptop
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.keyboard.type("janssen")
    expect(page.locator("#caller-results").get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("payroll export fails again")

    subordinate_button = page.get_by_role("button", name=f"Record as subordinate of {master.number}")
    expect(subordinate_button).to_be_visible()
    # The known error that matches the same words is offered beside the similar incident.
    expect(page.get_by_text("Payroll export fails: the bank file is refused")).to_be_visible()
    # The panel is the third column, beside the description and in view while typing, not under both cards.
    description = page.get_by_label("Short description").bounding_box()
    service = page.get_by_role("combobox", name="Service").bounding_box()
    panel = page.locator(".similar-panel").bounding_box()
    assert panel["x"] >= service["x"] + service["width"] > description["x"] + description["width"]
    assert panel["y"] < description["y"] + description["height"]
    page.get_by_role("button", name="Record incident").scroll_into_view_if_needed()
    expect(subordinate_button).to_be_in_viewport()  # it stays in view down to the form's end
    page.evaluate("window.scrollTo(0, 0)")
    docs_screenshot(page, "log-a-call-similar")
    subordinate_button.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} payroll export fails again"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(master.number))).to_be_visible()
    assert Incident.objects.get(short_description="payroll export fails again").parent_id == master.pk


def test_on_a_phone_the_similar_panel_follows_the_description(live_server, page: Page, operator):
    KnownErrorFactory(
        title="Badge reader at the gate refuses every badge", symptoms="No badge opens it.", published=True
    )
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.get_by_label("Short description").fill("badge reader refuses my badge")
    expect(page.get_by_text("Badge reader at the gate refuses every badge")).to_be_visible()
    symptoms = page.get_by_label("Symptoms").bounding_box()
    panel = page.locator(".similar-panel").bounding_box()
    service = page.get_by_role("combobox", name="Service").bounding_box()
    assert symptoms["y"] + symptoms["height"] < panel["y"] < service["y"]


def test_an_unknown_caller_is_added_inline_and_chosen(live_server, page: Page, operator):
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.get_by_text("Caller not found? Add them").click()
    page.get_by_label("First name").fill("Eva")
    page.get_by_label("Last name").fill("de Wit")
    page.get_by_role("button", name="Add the caller").click()
    expect(page.get_by_text("Give at least one way to reach the caller")).to_be_visible()
    page.get_by_label("Phone", exact=True).fill("010 123 4567")
    page.get_by_role("button", name="Add the caller").click()

    expect(page.get_by_role("combobox", name="Caller")).to_have_value("Eva de Wit")
    page.get_by_label("Short description").fill("Cannot print")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} Cannot print"))).to_be_visible()
    assert Incident.objects.get().caller.full_name == "Eva de Wit"


def test_the_occurred_time_is_one_tab_stop_and_takes_minutes_ago(live_server, page: Page, operator, output_path):
    import datetime

    from django.utils import timezone

    ContactFactory(first_name="Anna", last_name="Janssen")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_role("combobox", name="Caller").fill("Anna Janssen")
    page.get_by_label("Short description").fill("The scanner at dock 4 stopped reading labels")
    occurred = page.get_by_label("Occurred")
    expect(occurred).to_have_value(re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$"))  # now, as pages write it

    page.get_by_label("Reported by").focus()
    page.keyboard.press("Tab")
    expect(occurred).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("-20m")
    page.screenshot(path=f"{output_path}/occurred.png", full_page=True)
    page.keyboard.press("Tab")
    expect(occurred).not_to_be_focused()  # one stop: the browser's date-time widget took six
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} The scanner at dock 4"))).to_be_visible()
    ago = timezone.now() - Incident.objects.get().occurred_at
    assert datetime.timedelta(minutes=19) < ago < datetime.timedelta(minutes=21)


def test_a_ci_fills_the_service_it_affects_most_critically_and_the_others_are_offered(
    live_server, page: Page, operator
):
    exchange = ConfigurationItemFactory(name="exchange-01")
    ServiceFactory(name="Mail", criticality=Criticality.CRITICAL, cis=[exchange])
    ServiceFactory(name="Calendar", criticality=Criticality.MEDIUM, cis=[exchange])
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.get_by_role("combobox", name="Find a configuration item").fill("exchange")
    page.locator("#ci-results").get_by_role("option", name=re.compile("exchange-01")).click()

    expect(page.locator("#ci-context")).to_contain_text("Proposed service: Mail")
    service = page.get_by_role("combobox", name="Service", exact=True)
    expect(service).to_have_value("Mail")
    expect(page.locator("#id_service")).to_have_value(str(Service.objects.get(name="Mail").pk))
    page.get_by_role("button", name="Calendar").click()
    expect(service).to_have_value("Calendar")
    expect(page.locator("#id_service")).to_have_value(str(Service.objects.get(name="Calendar").pk))

    ContactFactory(first_name="Anna", last_name="Janssen")
    page.get_by_role("combobox", name="Caller").fill("Anna Janssen")
    page.get_by_label("Short description").fill("Calendar invitations do not arrive")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} Calendar invitations"))).to_be_visible()
    assert Incident.objects.get().service.name == "Calendar"


def test_a_service_the_operator_chose_is_not_replaced_by_the_cis_proposal(live_server, page: Page, operator):
    exchange = ConfigurationItemFactory(name="exchange-01")
    ServiceFactory(name="Mail", criticality=Criticality.CRITICAL, cis=[exchange])
    ServiceFactory(name="Payroll")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")
    service = page.get_by_role("combobox", name="Service", exact=True)
    service.fill("pay")
    page.locator("#id_service_results").get_by_role("option", name=re.compile("Payroll")).click()

    page.get_by_role("combobox", name="Find a configuration item").fill("exchange")
    page.locator("#ci-results").get_by_role("option", name=re.compile("exchange-01")).click()

    expect(page.locator("#ci-context")).to_contain_text("Proposed service: Mail")
    expect(service).to_have_value("Payroll")


def test_an_operator_finds_the_service_by_part_of_its_name_and_records_the_call_with_it(
    live_server, page: Page, operator
):
    ContactFactory(first_name="Anna", last_name="Janssen")
    payroll = ServiceFactory(name="Payroll and expenses")
    ServiceFactory.create_batch(30, name=factory.Sequence(lambda n: f"Catalogue service {n}"))
    ServiceFactory(name="Payroll archive (retired)", active=False)
    office = LocationFactory(name="Head office")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")
    expect(page.locator("#id_service_text")).to_be_visible()
    assert page.locator("option", has_text="Catalogue service").count() == 0  # nothing listed before typing

    page.get_by_role("combobox", name="Caller").fill("Anna Janssen")
    page.get_by_label("Short description").fill("The expense report does not add up")
    page.get_by_role("combobox", name="Service", exact=True).focus()
    page.keyboard.type("expen")
    options = page.locator("#id_service_results").get_by_role("option")
    expect(options).to_have_count(1)
    page.keyboard.press("Enter")  # the only one: chosen
    expect(page.get_by_role("combobox", name="Service", exact=True)).to_have_value("Payroll and expenses")
    expect(page.locator("#id_service")).to_have_value(str(payroll.pk))
    page.get_by_role("combobox", name="Location").fill("head")
    page.locator("#id_location_results").get_by_role("option", name=re.compile("Head office")).click()
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} The expense report"))).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.service, incident.location) == (payroll, office)


def test_an_inactive_service_is_refused_and_the_form_keeps_what_was_typed(live_server, page: Page, operator):
    ContactFactory(first_name="Anna", last_name="Janssen")
    ServiceFactory(name="Fax gateway", active=False)
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")
    page.get_by_role("combobox", name="Caller").fill("Anna Janssen")
    page.get_by_label("Short description").fill("Faxes do not go out")
    page.get_by_role("combobox", name="Service", exact=True).fill("fax")
    option = page.locator("#id_service_results").get_by_role("option", name=re.compile("Fax gateway"))
    expect(option).to_contain_text("inactive")
    option.click()
    page.keyboard.press("Control+Enter")

    expect(page.get_by_text("The service “Fax gateway” is no longer active: choose another one.")).to_be_visible()
    expect(page.get_by_role("combobox", name="Service", exact=True)).to_have_value("Fax gateway")
    expect(page.get_by_label("Short description")).to_have_value("Faxes do not go out")
    assert not Incident.objects.exists()


def test_ticking_serious_proposes_the_top_priority(live_server, page: Page, operator):
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")
    expect(page.locator("#priority-preview")).to_contain_text("P4")

    page.get_by_label("Serious incident").check()

    expect(page.get_by_label("Impact")).to_have_value("1")
    expect(page.get_by_label("Urgency")).to_have_value("1")
    expect(page.locator("#priority-preview")).to_contain_text("P1")
