"""A long journal in a real browser: the newest entries first, older ones brought in place a page at a time, at the
end of the list (decision 0050)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidents.journal import notes
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import record

pytestmark = pytest.mark.e2e


def test_the_operator_reads_a_long_journal_back_to_its_first_entry(live_server, page: Page, operator):
    incident = record(operator, short_description="Printer jams on every job")
    for number in range(120):
        notes.incident_add_note(by=operator, incident_id=incident.pk, text=f"Note {number:03}")
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())
    journal = page.locator("#timeline ol.journal")
    entries = journal.locator(":scope > li[class^='entry-']")

    expect(entries).to_have_count(50)
    expect(entries.first).to_contain_text("Note 119")
    expect(entries.last).to_contain_text("Note 070")

    journal.get_by_role("link", name="Show older entries").click()
    expect(entries).to_have_count(100)
    expect(entries.last).to_contain_text("Note 020")
    expect(entries.nth(49)).to_contain_text("Note 070")  # the page read on is where it was
    journal.get_by_role("link", name="Show older entries").focus()  # the control, again at the end
    journal.get_by_role("link", name="Show older entries").press("Enter")

    expect(entries).to_have_count(121)
    expect(entries.last).to_have_class("entry-recorded")
    expect(entries.first).to_contain_text("Note 119")
    expect(journal.get_by_role("link", name="Show older entries")).to_have_count(0)
    assert page.url == live_server.url + incident.get_absolute_url()  # read in place, not a page away
