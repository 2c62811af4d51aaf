"""Single sign-on in a real browser: the button, the test provider (tests/servicedesk/oidc_provider.py), and back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.servicedesk.oidc_provider import CLIENT_ID, CLIENT_SECRET, OIDCProvider, configure

pytestmark = pytest.mark.e2e


@pytest.fixture
def provider(live_server, settings):
    callback = f"{live_server.url}/accounts/oidc/callback/"
    with OIDCProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[callback]) as idp:
        configure(settings, idp)
        idp.person = {
            "sub": "8d1e",
            "preferred_username": "nora",
            "email": "nora@example.com",
            "given_name": "Nora",
            "family_name": "Network",
            "groups": ["sd-operators"],
        }
        yield idp


def test_staff_sign_in_with_the_provider_and_land_at_home_in_their_role(live_server, page: Page, provider):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")

    page.get_by_role("link", name="Sign in with Test ID").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Welcome, Nora")).to_be_visible()
    expect(page.get_by_text("You work here as Service desk operator.")).to_be_visible()


def test_a_person_without_a_role_is_sent_back_with_the_reason(live_server, page: Page, provider):
    provider.person["groups"] = ["everyone"]
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("link", name="Sign in with Test ID").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_text("gives you no role in the service desk")).to_be_visible()
