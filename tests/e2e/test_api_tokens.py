"""A personal API token in a real browser: made on the user's page, its secret copied from the one response that
shows it, used by a program (urllib here) against the live server, then revoked."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_cmdb import sign_in

pytestmark = pytest.mark.e2e


def call_api(base_url: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base_url}/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_a_user_makes_a_token_copies_it_calls_the_api_and_revokes_it(
    live_server, page: Page, operator, docs_screenshot
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server.url, "olivia")
    page.get_by_text(operator.get_full_name()).click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    expect(page.get_by_text("You have no token yet.")).to_be_visible()

    page.get_by_label("Name").fill("Monitoring")
    expect(page.get_by_label("Lifetime in days")).to_have_value("90")
    expect(page.get_by_label("May write")).not_to_be_checked()
    page.get_by_label("Name").press("Enter")

    expect(page.get_by_role("heading", name="Your new token “Monitoring”")).to_be_visible()
    expect(page.get_by_text("Copy it now: it will not be shown again.")).to_be_visible()
    secret = page.locator("#new-token-secret").inner_text()
    assert secret.startswith("sdk_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    docs_screenshot(page, "api-tokens", full_page=True)

    status, body = call_api(live_server.url, secret)
    assert status == 200
    assert body["results"] == []

    page.goto(f"{live_server.url}/accounts/api-tokens/")  # coming back to the page later
    expect(page.get_by_role("heading", name="Your new token “Monitoring”")).to_have_count(0)
    expect(page.get_by_text(secret)).to_have_count(0)
    row = page.get_by_role("row", name="Monitoring")
    expect(row).to_contain_text("Reads only")
    expect(row).not_to_contain_text("never")  # the call above is its last use

    row.get_by_role("link", name="Revoke “Monitoring”").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("“Monitoring” is revoked")).to_be_visible()
    expect(page.get_by_role("row", name="Monitoring")).to_contain_text("revoked")

    status, body = call_api(live_server.url, secret)
    assert status == 401
    assert body["detail"] == "The token is unknown, revoked or expired."


def test_the_api_reference_renders_under_the_portals_csp(live_server, page: Page, operator):
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI drew the operations from the schema: its script ran, from the portal itself.
    escalate = page.locator(".opblock-summary-path", has_text="/api/v1/incidents/{number}/escalate/")
    expect(escalate).to_be_visible(
        timeout=30_000
    )  # it draws the whole schema's operations first: seconds on a busy core
    assert refused == []
