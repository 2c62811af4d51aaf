"""Logging a frequent call from an incident template, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from incidents.canned.incident_templates import incident_template_create
from incidents.models import Incident
from tests.cmdb.factories import ContactFactory, ServiceFactory
from tests.e2e.test_cmdb import sign_in
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def test_an_operator_starts_from_a_template_and_classification_proposes_its_category(
    live_server, page: Page, operator, docs_screenshot
):
    incident_template_create(
        by=operator, name="Account locked", short_description="Account locked after wrong passwords",
        symptoms="Which account? Since when?", service=ServiceFactory(name="Identity and single sign-on"),
        category=CategoryFactory(name="Account locked"), impact=3, urgency=1,
    )  # fmt: skip
    ContactFactory(first_name="Anna", last_name="Janssen")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/incidents/new/")

    page.keyboard.type("janssen")  # the caller keeps the focus; the template is one Shift+Tab above it
    expect(page.locator("#caller-results").get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    page.get_by_label("Short description").fill("Locked out since the password change")
    page.get_by_label("Start from a template").select_option(label="Account locked")

    # The operator's own description stays; the rest is the template's.
    expect(page.get_by_label("Short description")).to_have_value("Locked out since the password change")
    expect(page.get_by_label("Symptoms")).to_have_value("Which account? Since when?")
    expect(page.get_by_role("combobox", name="Service")).to_have_value("Identity and single sign-on")
    expect(page.get_by_label("Urgency")).to_have_value("1")
    expect(page.get_by_role("status").filter(has_text="Filled in from")).to_contain_text(
        "It proposes the category Account locked at classification."
    )
    expect(page.locator("#priority-preview")).to_contain_text("P3")
    docs_screenshot(page, "log-a-call-template")
    page.get_by_role("button", name="Record incident").click()

    expect(page.get_by_role("heading", name=re.compile(r"^INC\d{7} Locked out"))).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.service.name, incident.urgency, incident.template.name) == (
        "Identity and single sign-on",
        1,
        "Account locked",
    )
    page.goto(f"{live_server.url}/incidents/{incident.number}/steps/classify/")
    expect(page.get_by_role("combobox", name="Category")).to_have_value("Account locked")
