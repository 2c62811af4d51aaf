"""Canned replies in a real browser: "/" at the start of a line in the customer-update box opens the picker, the
keyboard chooses, the reply goes in filled for the incident where the cursor was, and is sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from incidents.canned import services
from incidents.models import Activity
from tests.cmdb.factories import ContactFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import record

pytestmark = pytest.mark.e2e


def test_the_operator_inserts_a_canned_reply_with_the_keyboard_and_sends_it(
    live_server, page: Page, operator, docs_screenshot
):
    incident = record(operator, caller=ContactFactory(first_name="Ines", last_name="Ortega"),
                      short_description="VPN does not connect")  # fmt: skip
    services.canned_reply_create(
        by=operator, title="VPN: reinstall the profile", group=None,
        body="Hello {caller_first_name}, please reinstall the VPN profile from the portal; {number} stays open.",
    )  # fmt: skip
    services.canned_reply_create(by=operator, title="Thanks for calling", body="Thank you for calling.", group=None)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())

    page.get_by_label("Customer update").check()
    box = page.get_by_role("textbox", name="Text")
    box.click()
    box.press_sequentially("a/b")  # a slash within a line is just a slash
    expect(box).to_have_value("a/b")
    box.fill("")
    box.press_sequentially("Dear Ines,")
    box.press("Enter")  # the second line's start
    box.press("/")
    search = page.get_by_role("combobox", name="Search the canned replies")
    expect(search).to_be_focused()
    expect(page.get_by_role("option")).to_have_count(2)
    search.press_sequentially("vpn")
    expect(page.get_by_role("option")).to_have_count(1)
    search.press("ArrowDown")
    docs_screenshot(page, "canned-reply-picker")
    search.press("Enter")

    expected = (
        f"Dear Ines,\nHello Ines, please reinstall the VPN profile from the portal; {incident.number} stays open."
    )
    expect(box).to_have_value(expected)
    expect(box).to_be_focused()
    expect(search).to_be_hidden()
    box.press("Control+Enter")

    expect(page.locator("#timeline .customer").first).to_contain_text("Hello Ines, please reinstall")
    sent = Activity.objects.get(incident=incident, kind="customer_update")
    assert sent.text.replace("\r\n", "\n") == expected  # a form sends its lines with CR LF


def test_esc_closes_the_picker_and_the_button_opens_it(live_server, page: Page, operator):
    incident = record(operator)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + incident.get_absolute_url())
    box = page.get_by_role("textbox", name="Text")
    box.fill("Keep this")

    page.get_by_role("button", name="Insert a reply").click()
    search = page.get_by_role("combobox", name="Search the canned replies")
    expect(search).to_be_focused()
    expect(page.get_by_text("No canned reply for this incident yet.")).to_be_visible()
    search.press("Escape")

    expect(search).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("Keep this")
