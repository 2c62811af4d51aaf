"""One incident's whole life in real browsers: the operator, a support member, a manager watching, and the
caller's link. A screenshot of each step is kept in the test's output folder (``--output``, CI keeps
``test-results/``), so that a reviewer can see the pages without running anything; the user guides' pictures
of the incident page, the step forms and the caller's page are taken here too (``docs_screenshot``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cmdb.choices import SupportTier
from incidents.choices import ActivityKind, State
from incidents.models import Incident
from incidents.recording import calls
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import RootCauseFactory
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


class Screenshots:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


def test_an_incident_from_the_call_to_its_closure(live_server, browser: Browser, page: Page, output_path, operator,
                                                   support_member, manager, docs_screenshot):  # fmt: skip
    shots = Screenshots(Path(output_path) / "steps")
    network = SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])
    vpn = CategoryFactory(name="VPN")
    RootCauseFactory(name="Configuration error")
    caller = ContactFactory(first_name="Anna", last_name="Janssen", email="anna.janssen@example.org")
    incident = calls.incident_record(
        by=operator, caller=caller, short_description="VPN refuses my password",
        symptoms="Authentication failed since this morning.", occurred_at=timezone.now(), impact=3, urgency=2,
    )  # fmt: skip
    url = f"{live_server.url}{incident.get_absolute_url()}"

    # The operator classifies and escalates.
    sign_in(page, live_server.url, "olivia")
    page.goto(url)
    # The highlighted button is the step the user most likely takes next.
    primary = page.locator(".step-bar .button.primary")
    expect(primary).to_have_text("Classify")
    shots.take(page, "recorded")
    page.get_by_role("link", name="Classify").click()
    page.get_by_role("combobox", name="Category").fill("vpn")  # any part of the path
    page.keyboard.press("Enter")  # the only match
    page.get_by_label("Impact").select_option(label="Medium")
    page.get_by_label("Time spent (minutes)").fill("3")
    page.keyboard.press("Control+Enter")  # from any field of the form
    expect(page.get_by_text(f"{incident.number} classified.")).to_be_visible()
    expect(primary).to_have_text("Escalate")  # no known error matches: not for first line
    expect(page.locator(".step-bar")).to_contain_text("Resolve at first line")
    shots.take(page, "classified")
    docs_screenshot(page, "incident-steps")
    page.get_by_role("link", name="Escalate").click()
    page.get_by_label("Escalate to").select_option(label=f"{network.name} (Tier 2 · second line)")
    page.get_by_label("Reason").fill("The RADIUS server answers slowly; the network team should look.")
    docs_screenshot(page, "step-escalate")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text(f"{incident.number} escalated.")).to_be_visible()
    # The group works on it now: escalating again is still possible, but nothing is the desk's next step.
    expect(page.locator(".step-bar").get_by_role("link", name="Escalate")).to_be_visible()
    expect(primary).to_have_count(0)
    shots.take(page, "escalated")

    # A manager watches: the facts and the journal, and no step to take.
    manager_page = browser.new_context().new_page()
    sign_in(manager_page, live_server.url, "maria")
    manager_page.goto(url)
    expect(manager_page.locator(".page-actions")).to_contain_text("Investigating")
    expect(manager_page.locator(".step-bar")).to_have_count(0)
    shots.take(manager_page, "manager-watching")

    # The support member finds it in the group's list, takes it, notes the work and resolves it.
    support_page = browser.new_context().new_page()
    sign_in(support_page, live_server.url, "sam")
    support_page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(support_page.get_by_role("row", name=re.compile(incident.number))).to_contain_text("not acknowledged")
    shots.take(support_page, "group-list")
    support_page.get_by_role("link", name=incident.number).click()
    support_primary = support_page.locator(".step-bar .button.primary")
    expect(support_primary).to_have_text("Acknowledge")
    support_page.get_by_role("button", name="Acknowledge").click()
    expect(support_page.get_by_text(f"{incident.number} acknowledged.")).to_be_visible()
    expect(support_primary).to_have_text("Assign to me")
    shots.take(support_page, "acknowledged")
    support_page.get_by_role("button", name="Assign to me").click()
    expect(support_page.get_by_text(f"{incident.number} assigned.")).to_be_visible()
    expect(support_primary).to_have_text("Resolve")
    support_page.get_by_label("Text").fill("The RADIUS certificate expired at 06:00; renewing it.")
    support_page.locator(".journal-form").get_by_label("Time spent (minutes)").fill("25")
    support_page.get_by_role("button", name="Add to the journal").click()
    expect(support_page.locator("#timeline")).to_contain_text("renewing it")
    shots.take(support_page, "worked-on")
    docs_screenshot(support_page, "incident-journal", full_page=True)
    support_page.get_by_role("link", name="Resolve", exact=True).click()
    support_page.get_by_label("Resolution code").select_option(label="Solved (permanent fix)")
    support_page.get_by_label("Resolution, for the caller").fill("The certificate was renewed; please try again.")
    docs_screenshot(support_page, "step-resolve")
    support_page.get_by_role("button", name="Resolve").click()
    expect(support_page.get_by_text(f"{incident.number} resolved")).to_be_visible()
    shots.take(support_page, "resolved")

    # The caller answers from the link in the mail, without signing in.
    [message] = [m for m in mail.outbox if caller.email in m.to and "Resolved" in m.subject]
    it_works = re.search(r"https?://\S+/it-works/\S+", message.body).group(0)
    caller_page = browser.new_context().new_page()
    caller_page.goto(it_works.replace("http://localhost:8000", live_server.url))
    caller_page.get_by_label(re.compile("5 · Very satisfied")).check()
    caller_page.get_by_label(re.compile("Anything you would like to tell us")).fill("Quick and clear, thank you.")
    shots.take(caller_page, "caller-link")
    docs_screenshot(caller_page, "caller-it-works")
    caller_page.get_by_role("button", name="Confirm that it works").click()
    expect(caller_page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(caller_page.get_by_text(f"We have noted that the fix of {incident.number} works")).to_be_visible()
    expect(caller_page.get_by_text("reopened")).to_have_count(0)
    shots.take(caller_page, "caller-thanks")
    docs_screenshot(caller_page, "caller-thanks")

    manager_page.reload()
    expect(manager_page.locator(".resolution")).to_contain_text("Confirmed by the caller")
    shots.take(manager_page, "manager-sees-confirmation")

    # The operator closes it with the root cause found; the category stays the classification's, the rating
    # the caller's own (no reason needed: the caller confirmed).
    page.goto(url)
    expect(primary).to_have_text("Close")  # the caller confirmed: closing needs no reason
    shots.take(page, "confirmed")
    page.get_by_role("link", name="Close").click()
    expect(page.get_by_role("combobox", name="Category, as it turned out")).to_have_value("VPN")
    expect(page.get_by_label("Why close it now")).to_have_count(0)
    expect(page.get_by_label("Satisfaction the caller gave by phone")).to_have_count(0)
    page.get_by_role("combobox", name="Root cause").select_option(label="Configuration error")
    docs_screenshot(page, "step-close")
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_text(f"{incident.number} closed.")).to_be_visible()
    # The audit history opens in place: the closure, by whom, in words.
    page.get_by_role("heading", name="Audit history").click()
    history = page.locator(".history-body")
    expect(history.get_by_role("row", name=re.compile(r"^State Resolved Closed$"))).to_be_visible()
    expect(history.get_by_role("rowheader").first).to_contain_text("changed")
    shots.take(page, "closed")

    incident.refresh_from_db()
    assert (incident.state, incident.satisfaction, incident.assignee) == (State.CLOSED, 5, support_member)
    assert incident.category == incident.root_cause_category == vpn
    kinds = list(incident.journal.values_list("kind", flat=True))
    assert ActivityKind.CONFIRMED in kinds and ActivityKind.ACKNOWLEDGED in kinds
    assert sorted(path.name for path in shots.folder.iterdir())[-1] == f"{shots.count:02d}-closed.png"
    assert Incident.objects.count() == 1
