"""The caller's status page on a phone: open the link from a mail, read the state, reply, and once the
incident is resolved say that it works."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.callers.people import contact_key
from incidents.callers.status import status_link_token
from incidents.choices import ActivityKind, ResolutionCode
from incidents.journal import notes
from incidents.lifecycle import holds, resolution
from incidents.models import Incident
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.conftest import PHONE
from tests.incidents.workflow import investigating
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_caller_follows_their_incident_on_a_phone(live_server, page: Page, operator, support_member, docs_screenshot):
    network = SupportGroupFactory(name="Network operations", members=[support_member])
    vpn = CategoryFactory(name="VPN")
    caller = ContactFactory(first_name="Anna", last_name="Janssen", email="anna.janssen@example.org")
    incident = investigating(operator, vpn, network, caller=caller, short_description="VPN refuses my password")
    notes.incident_provide_workaround(
        by=support_member, incident_id=incident.pk, workaround="Use the web VPN portal until the fix is in."
    )
    holds.incident_await_caller(
        by=support_member, incident_id=incident.pk, reason="Which VPN client version do you use?"
    )
    url = live_server.url + reverse("incidents:status_page", args=[status_link_token(incident, contact_key(caller.pk))])

    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.get_by_role("heading", name=incident.number, level=1)).to_be_visible()
    expect(page.locator(".status-state")).to_have_text("Waiting for your answer")
    expect(page.get_by_text("Which VPN client version do you use?").first).to_be_visible()
    expect(page.get_by_role("heading", name="Workaround", level=2)).to_be_visible()
    assert fits_the_phone(page)

    page.get_by_label("Your reply").fill("Version 5.2, on Windows 11.")
    page.get_by_role("button", name="Send my reply").click()
    expect(page.get_by_role("status")).to_have_text(
        f"Your reply was added to {incident.number}; the team has been told."
    )
    expect(page.locator(".status-state")).to_have_text("Being worked on")
    newest = page.locator(".status-journal > li")
    expect(newest.first).to_contain_text("Answer received: the work goes on")
    expect(newest.nth(1)).to_contain_text("Reply on the status page")
    expect(newest.nth(1)).to_contain_text("Anna Janssen")
    expect(newest.nth(1)).to_contain_text("Version 5.2, on Windows 11.")
    assert fits_the_phone(page)
    docs_screenshot(page, "status-page", full_page=True, viewport=PHONE)

    resolution.incident_resolve(
        by=support_member, incident_id=incident.pk, resolution_code=ResolutionCode.PERMANENT_FIX,
        resolution_notes="The RADIUS certificate was renewed; please try again.",
    )  # fmt: skip
    page.reload()
    expect(page.locator(".status-state")).to_have_text("Resolved: does it work?")
    expect(page.get_by_role("heading", name="Workaround", level=2)).to_have_count(0)
    assert fits_the_phone(page)
    page.get_by_role("link", name="It works").click()
    page.get_by_label(re.compile("5 · Very satisfied")).check()
    assert fits_the_phone(page)
    page.get_by_role("button", name="Confirm that it works").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    page.goto(url)
    expect(page.locator(".status-state")).to_have_text("Resolved: the fix was confirmed")
    expect(page.get_by_role("link", name="It works")).to_have_count(0)
    incident = Incident.objects.get(pk=incident.pk)
    assert (incident.satisfaction, incident.confirmed_at is not None) == (5, True)
    assert incident.journal.get(kind=ActivityKind.CALLER_REPLIED).data["via"] == "status_page"
