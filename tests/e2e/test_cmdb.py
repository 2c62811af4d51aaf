"""The CMDB in a real browser: the filter follows the typing (htmx), a configuration manager edits."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.cmdb.factories import ConfigurationItemFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_ci_list_filters_as_the_operator_types(live_server, page: Page, operator):
    ConfigurationItemFactory(name="mail-01")
    ConfigurationItemFactory(name="erp-db-01")
    sign_in(page, live_server.url, "olivia")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="CMDB").click()
    expect(page.get_by_role("heading", name="Configuration items")).to_be_visible()
    page.get_by_role("searchbox", name="Search", exact=True).press_sequentially("erp")

    expect(page.get_by_role("link", name="erp-db-01")).to_be_visible()
    expect(page.get_by_role("link", name="mail-01")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/cmdb/config-items/?q=erp")


def test_a_configuration_manager_records_a_ci_and_sees_a_clear_error_first(live_server, page: Page, config_manager):
    ConfigurationItemFactory(name="vm-042")
    sign_in(page, live_server.url, "conny")
    page.goto(f"{live_server.url}/cmdb/config-items/")

    page.get_by_role("link", name="New configuration item").click()
    page.get_by_label("Name").fill("vm-042")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Configuration item with this Name already exists.")).to_be_visible()

    page.get_by_label("Name").fill("vm-043")
    page.get_by_label("Class").select_option(label="Virtual machine")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="vm-043")).to_be_visible()
    expect(page.get_by_text("vm-043 was created.")).to_be_visible()
