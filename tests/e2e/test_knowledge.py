"""The matcher box in a real browser: results follow the typing, with the reasons they matched."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_cmdb import sign_in
from tests.knowledge.factories import KnownErrorFactory

pytestmark = pytest.mark.e2e


def test_an_operator_types_symptoms_and_sees_the_matching_workaround(
    live_server, page: Page, operator, docs_screenshot
):
    KnownErrorFactory(
        title="Printer reports a paper jam with no paper stuck",
        symptoms="my printer says paper jam but there is no paper in it",
        workaround="1. Open tray 2.\n2. Push the sensor flap down.",
        published=True,
    )
    KnownErrorFactory(title="VPN drops after a password change", symptoms="vpn keeps disconnecting", published=True)
    sign_in(page, live_server.url, "olivia")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge").click()
    page.get_by_role("link", name="Test the matcher").click()
    page.get_by_label("Symptoms").press_sequentially("the pritner says paper jam")

    match = page.locator(".match").first
    expect(match).to_contain_text("Printer reports a paper jam with no paper stuck")
    expect(match.get_by_label("Why it matched")).to_contain_text("paper")
    expect(page.locator(".match")).to_have_count(1)
    match.get_by_text("Workaround").click()
    expect(match).to_contain_text("Push the sensor flap down.")
    docs_screenshot(page, "known-error-matcher")
