"""A support member works the queue; a manager follows a dashboard figure to the list behind it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Browser, Page, expect

from cmdb.choices import SupportTier
from tests.cmdb.factories import SupportGroupFactory
from tests.e2e.test_cmdb import sign_in
from tests.incidents.workflow import investigating
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.e2e


def test_a_support_member_works_the_queue_and_a_manager_follows_a_figure(
    live_server, browser: Browser, page: Page, output_path, operator, support_member, manager, docs_screenshot
):
    network = SupportGroupFactory(name="Network operations", tier=SupportTier.SECOND_LINE, members=[support_member])
    vpn = CategoryFactory(name="VPN")
    first = investigating(operator, vpn, network, short_description="Branch office offline")
    second = investigating(operator, vpn, network, short_description="Wi-Fi drops in the warehouse")

    sign_in(page, live_server.url, "sam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(page.get_by_role("link", name=re.compile("Not acknowledged 2"))).to_be_visible()
    page.get_by_role("checkbox", name=f"Tick {first.number}").check()
    page.get_by_role("checkbox", name=f"Tick {second.number}").check()
    page.get_by_label("With the ticked incidents").select_option("acknowledge")
    docs_screenshot(page, "queue")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("2 incidents done")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Not acknowledged 0"))).to_be_visible()
    page.get_by_role("link", name=re.compile("My groups'")).click()
    page.get_by_role("row", name=re.compile(second.number)).get_by_role("button", name="Take it").click()
    expect(page.get_by_role("link", name=re.compile("Mine 1"))).to_be_visible()

    manager_page = browser.new_context().new_page()
    sign_in(manager_page, live_server.url, "maria")
    manager_page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(manager_page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    docs_screenshot(manager_page, "dashboard")
    # Today's figures count the two incidents recorded a moment ago (the day figures, kept by the database).
    manager_page.get_by_text("The numbers").click()
    today = date_format(timezone.localdate(), "D j M")
    expect(manager_page.get_by_role("row", name=re.compile(rf"^{today} 2 0$"))).to_be_visible()
    Path(output_path).mkdir(parents=True, exist_ok=True)
    manager_page.screenshot(path=Path(output_path) / "dashboard.png", full_page=True)
    manager_page.get_by_role("heading", name="Backlog now").get_by_role("link").click()
    expect(manager_page.get_by_role("link", name=first.number)).to_be_visible()
    expect(manager_page.get_by_role("link", name=second.number)).to_be_visible()
