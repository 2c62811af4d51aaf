"""Two-factor sign-in in a real browser: setting up the app from the page's key, then signing in with a code."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_user_sets_up_an_authenticator_app_and_signs_in_with_its_code(
    live_server, page: Page, operator, docs_screenshot
):
    sign_in(page, live_server.url)
    expect(page.get_by_role("heading", name="Welcome, Olivia")).to_be_visible()

    page.get_by_text(operator.get_full_name()).click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    docs_screenshot(page, "mfa-enrol")
    # What a person would type into the app: the key as shown, in groups of four.
    key = b32decode(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code from the app").fill(f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(10)
    page.get_by_role("link", name="I have kept them").click()
    page.get_by_text(operator.get_full_name()).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    sign_in(page, live_server.url)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code of the next 30 seconds: the one just used to set up the app is spent.
    page.get_by_label("Code").fill(f"{TOTP(key, drift=1).token():06d}")
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Welcome, Olivia")).to_be_visible()
