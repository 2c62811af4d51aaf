"""Languages in the browser (decision 0052): a user picks Nederlands and a time zone on the preferences page, and the
pages speak Dutch from then on, with times in the chosen zone, whatever the browser asks for."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from incidents.choices import State
from servicedesk.models import Preferences
from tests.cmdb.factories import ContactFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.e2e


def test_a_user_who_picks_dutch_sees_the_incident_list_in_dutch(live_server, page: Page, operator, docs_screenshot):
    caller = ContactFactory(first_name="Sanne", last_name="de Vries")
    reported = datetime.datetime(2026, 11, 27, 8, 5, tzinfo=datetime.UTC)
    IncidentFactory(short_description="VPN maakt geen verbinding", caller=caller, reported_at=reported)
    IncidentFactory(
        short_description="Printer op de 3e verdieping geeft papierstoring", caller=caller, state=State.CLASSIFIED
    )
    sign_in(page, live_server.url, "olivia")

    page.goto(live_server.url + reverse("preferences"))
    page.get_by_label("Language").select_option(label="Nederlands")
    page.get_by_label("Time zone").fill("Amsterdam")
    page.get_by_role("option", name="Europe/Amsterdam").click()
    docs_screenshot(page, "preferences-language", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Je voorkeuren zijn opgeslagen.")).to_be_visible()
    expect(page.get_by_role("heading", name="Voorkeuren", exact=True)).to_be_visible()
    saved = Preferences.objects.get(user=operator)
    assert (saved.language, saved.time_zone) == ("nl", "Europe/Amsterdam")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Incidenten").click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("columnheader", name="Prioriteit")).to_be_visible()
    # 08:05 UTC is 09:05 in Amsterdam in November; the month as a Dutch desk writes it.
    expect(page.get_by_role("cell", name="27 nov 2026, 09:05")).to_be_visible()
    docs_screenshot(page, "incident-list-dutch")
