"""The incident page on a 1366x900 laptop and on a phone (decision 0050): the facts and the steps above the fold,
the journal newest first with its form above the newest entry, the other panels beside or after it; nothing wider
than a phone's screen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from incidents.journal import notes
from servicedesk.models import Density, JournalOrder, Theme
from servicedesk.preferences import preferences_save
from tests.cmdb.factories import ContactFactory
from tests.e2e.conftest import DOCS_VIEWPORT, PHONE
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import classified
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e

NOTES = [
    "Asked the caller to restart the VPN client: same error.",
    "Checked the RADIUS log: the password is refused, not the account.",
    "Reset the caller's VPN token; waiting for the caller to try again.",
    "The caller says the token works on the laptop but not on the phone.",
    "Phone client is two versions behind; sent the caller the update instructions.",
    "Caller updated the phone client; connecting now, checking the other devices.",
]


def worked_incident(operator):
    caller = ContactFactory(first_name="Anna", last_name="Janssen", email="anna.janssen@example.org", phone="555-0142")
    incident = classified(
        operator,
        CategoryFactory(name="VPN"),
        caller=caller,
        short_description="VPN refuses my password",
        symptoms="Authentication failed since this morning, on the laptop and on the phone.",
        occurred_at=timezone.now(),
    )
    for text in NOTES:
        notes.incident_add_note(by=operator, incident_id=incident.pk, text=text, minutes_spent=5)
    return incident


def bottom(locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def test_on_a_laptop_the_facts_the_steps_the_form_and_the_newest_entry_are_in_the_first_screen(
    live_server, page: Page, operator, docs_screenshot
):
    incident = worked_incident(operator)
    page.set_viewport_size(DOCS_VIEWPORT)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())
    height = DOCS_VIEWPORT["height"]

    for part in ("h1", ".page-actions", ".key-facts", ".step-bar"):
        expect(page.locator(part)).to_be_in_viewport(ratio=1)
        assert bottom(page.locator(part)) <= height, part
    expect(page.locator(".key-facts")).to_contain_text("Anna Janssen")
    expect(page.locator(".page-actions")).to_contain_text("Classified")
    entries = page.locator("#timeline ol.journal > li[class^='entry-']")
    expect(entries.first).to_contain_text(NOTES[-1])  # the newest first
    expect(entries.last).to_have_class("entry-recorded")
    form = page.locator("form.journal-form")
    assert bottom(form) <= height  # the whole form, its button too
    assert bottom(entries.first) <= height  # the newest entry whole in the first screen
    # Beside the journal, not under it: the symptoms and the facts start level with the journal.
    side = page.locator(".incident-side").bounding_box()
    assert side["x"] > page.locator("#journal").bounding_box()["x"] + 400
    assert side["y"] < height
    docs_screenshot(page, "incident-page")

    # Written from the form, a note appears at the top, where the reader is (and the live region announces it).
    page.get_by_label("Text").fill("The caller confirms the VPN connects from both devices.")
    page.keyboard.press("Control+Enter")
    expect(entries.first).to_contain_text("The caller confirms the VPN connects from both devices.")
    expect(page.locator("#timeline")).to_have_attribute("aria-live", "polite")
    expect(entries.first).to_be_in_viewport()


def test_who_chose_oldest_first_reads_from_the_call_on(live_server, page: Page, operator):
    incident = worked_incident(operator)
    preferences_save(
        by=operator, theme=Theme.SYSTEM, density=Density.COMFORTABLE, journal_order=JournalOrder.OLDEST_FIRST
    )
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())

    entries = page.locator("#timeline ol.journal > li[class^='entry-']")
    expect(entries.first).to_have_class("entry-recorded")
    expect(entries.last).to_contain_text(NOTES[-1])


def test_on_a_phone_the_page_is_one_column_and_nothing_overflows_sideways(live_server, page: Page, operator):
    incident = worked_incident(operator)
    long_word = "x" * 120  # one long word, as pasted log lines are
    notes.incident_add_note(by=operator, incident_id=incident.pk, text=f"Log line: {long_word}")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())

    expect(page.locator(".step-bar")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    journal, side = page.locator("#journal").bounding_box(), page.locator(".incident-side").bounding_box()
    assert side["y"] >= journal["y"] + journal["height"]  # one column: the other panels after the journal
    assert page.locator(".key-facts").bounding_box()["y"] < journal["y"]
