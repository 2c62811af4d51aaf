"""The Dutch interface in a real browser at 1366x900: its longer words still fit the header and the incident page,
and the journal's file check speaks Dutch. Dutch comes from the site's default language and the browser's own
(nl-NL), so the pages are Dutch with or without LocaleMiddleware."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DOCS_VIEWPORT
from tests.servicedesk.test_translated_templates import an_incident

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "nl-NL", "viewport": DOCS_VIEWPORT}


@pytest.fixture(autouse=True)
def _dutch():
    with override_settings(
        LANGUAGE_CODE="nl",
        LANGUAGES=[("en", "English"), ("nl", "Nederlands")],
        LOCALE_PATHS=[settings.BASE_DIR / "locale"],
    ):
        yield


def signed_in(page: Page, client, user, live_server) -> None:
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_the_dutch_header_and_incident_page_fit_a_laptop_screen(live_server, page: Page, client, operator):
    incident = an_incident(operator)
    signed_in(page, client, operator, live_server)

    page.goto(live_server.url + incident.get_absolute_url())

    navigation = page.get_by_role("navigation", name="Hoofdmenu")
    expect(navigation.get_by_role("link", name="Nieuwe melding")).to_be_visible()
    expect(page.get_by_role("button", name="Toevoegen aan het logboek")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
    brand, user_menu = page.locator(".brand").bounding_box(), page.locator(".user-menu summary").bounding_box()
    assert user_menu["y"] < brand["y"] + brand["height"]  # one row: the user's menu not wrapped under the others


def test_a_file_name_too_long_is_refused_in_dutch(live_server, page: Page, client, operator, tmp_path):
    incident = an_incident(operator)
    signed_in(page, client, operator, live_server)
    long_name = tmp_path / ("x" * 201 + ".txt")
    long_name.write_text("log")

    page.goto(live_server.url + incident.get_absolute_url())
    files = page.locator("input[type=file][data-max-name]").first
    files.set_input_files(str(long_name))

    message = files.evaluate("input => input.validationMessage")
    assert message == f"De naam van “{'x' * 40}…” is te lang: geef het bestand een naam van hoogstens 200 tekens."
