"""Preferences in the browser: compact lists that show at least 20 incidents on a 1366 x 900 laptop, a theme chosen
once and kept, the system's dark setting followed by default, and the keyboard shortcuts (never while typing)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from cmdb.choices import SupportTier
from incidents.choices import State
from servicedesk.models import Density, Theme
from servicedesk.preferences import preferences_save
from tests.cmdb.factories import ContactFactory, SupportGroupFactory
from tests.e2e.conftest import DOCS_VIEWPORT
from tests.e2e.test_cmdb import sign_in
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.e2e

LONG = "Outlook asks for the password again and again after the mailbox moved to the new server on Friday night"


def rows_in_view(page: Page) -> int:
    """The list's rows wholly inside the window, as the user sees them without scrolling."""
    return page.evaluate(
        """() => [...document.querySelectorAll("#main table.table tbody tr")].filter((row) => {
             const box = row.getBoundingClientRect();
             return box.top >= 0 && box.bottom <= window.innerHeight;
           }).length"""
    )


def row_heights(page: Page) -> set[int]:
    return set(
        page.evaluate(
            """() => [...document.querySelectorAll("#main table.table tbody tr")]
                 .map((row) => Math.round(row.getBoundingClientRect().height))"""
        )
    )


@pytest.fixture
def full_lists(operator, support_member):
    """50 open incidents with long summaries, in the support member's group: enough for every list to fill a screen."""
    group = SupportGroupFactory(name="Messaging", tier=SupportTier.SECOND_LINE, members=[support_member])
    # A long name too: one from the factories' random ones once made the incident list scroll sideways.
    caller = ContactFactory(first_name="Maximiliane-Charlotte", last_name="Oppenheimer-Vandenberghe")
    IncidentFactory.create_batch(25, short_description=LONG, desk_owner=operator, caller=caller)
    IncidentFactory.create_batch(
        25, short_description=LONG, desk_owner=operator, state=State.INVESTIGATING, assigned_group=group, caller=caller
    )


@pytest.mark.parametrize(
    ("who", "address"),
    [("olivia", "incidents:incident_list"), ("olivia", "incidents:desk_worklist"), ("sam", "queues:queue")],
)
def test_compact_lists_show_twenty_rows_on_a_laptop_one_line_each(
    live_server, page: Page, operator, support_member, full_lists, who, address, docs_screenshot
):
    page.set_viewport_size(DOCS_VIEWPORT)
    sign_in(page, live_server.url, who)
    url = live_server.url + reverse(address) + ("?tab=group" if address == "queues:queue" else "")
    page.goto(url)
    comfortable = rows_in_view(page)

    user = operator if who == "olivia" else support_member
    preferences_save(by=user, theme=Theme.SYSTEM, density=Density.COMPACT)
    page.goto(url)

    assert rows_in_view(page) >= 20 > comfortable
    heights = row_heights(page)
    assert max(heights) - min(heights) <= 1 and max(heights) < 32, heights  # one line a row, all alike
    summary = page.locator("#main tbody tr td.cut").first
    # Cut on the screen, whole for a screen reader and on hover.
    assert summary.evaluate("cell => cell.scrollWidth > cell.clientWidth")
    expect(summary).to_have_attribute("title", LONG)
    assert LONG in summary.text_content()
    # Every column fits the laptop's width: nothing to scroll sideways for.
    assert page.locator("#main .table-scroll").evaluate("box => box.scrollWidth <= box.clientWidth")
    # The list takes the whole width of a wide screen (the page's text stops at 1152 px otherwise).
    page.set_viewport_size({"width": 1920, "height": 1080})
    assert page.locator("#main table.table").evaluate("table => table.getBoundingClientRect().width") > 1700
    if address == "incidents:incident_list":
        page.goto(url)
        docs_screenshot(page, "compact-list")


def test_a_theme_chosen_on_the_preferences_page_is_kept_for_the_next_sign_in(
    live_server, browser: Browser, operator, docs_screenshot
):
    IncidentFactory.create_batch(5, desk_owner=operator)
    page = browser.new_page(color_scheme="light")
    sign_in(page, live_server.url, "olivia")
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="Preferences").click()
    theme = page.get_by_role("group", name=re.compile("Theme"))
    expect(theme.get_by_role("radio", name="Follow my system's setting")).to_be_checked()
    theme.get_by_role("radio", name="Dark").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    page.close()

    # Another browser, set to light: the portal stays dark for this user, from the first paint.
    later = browser.new_page(color_scheme="light")
    sign_in(later, live_server.url, "olivia")
    later.goto(live_server.url + reverse("incidents:incident_list"))
    expect(later.locator("html")).to_have_attribute("data-theme", "dark")
    assert later.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(18, 22, 28)"
    docs_screenshot(later, "dark-theme")
    later.close()


@pytest.mark.parametrize(("system", "background"), [("dark", "rgb(18, 22, 28)"), ("light", "rgb(243, 245, 248)")])
def test_a_user_who_never_chose_follows_the_systems_setting(
    live_server, browser: Browser, operator, system, background
):
    page = browser.new_page(color_scheme=system)
    sign_in(page, live_server.url, "olivia")

    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == background
    page.close()


def test_shortcuts_go_where_the_user_may_go_and_never_while_typing(live_server, page: Page, operator, docs_screenshot):
    IncidentFactory.create_batch(3, desk_owner=operator)
    sign_in(page, live_server.url, "olivia")
    page.goto(live_server.url + reverse("incidents:incident_list"))

    # "/" is the header's search box (the list's own search field on a page without one).
    search = page.locator("#site-search")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("n")  # typing in the search box: an "n" is a letter, not "log a call"
    expect(search).to_have_value("n")
    assert page.url.startswith(live_server.url + reverse("incidents:incident_list"))
    search.fill("")
    page.keyboard.press("Escape")
    page.locator("main h1").click()

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("link")).to_have_text(
        ["Log a call", "Go to the incidents", "Go to the queue", "Go to the desk work"]
    )
    docs_screenshot(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("n")
    page.wait_for_url(live_server.url + reverse("incidents:record"))
    page.locator("main h1").click()  # out of the form's first field, which the page focuses
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(live_server.url + reverse("incidents:incident_list"))
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_url(live_server.url + reverse("incidents:desk_worklist"))


def test_a_support_member_has_no_shortcut_to_the_desks_pages(live_server, page: Page, support_member):
    sign_in(page, live_server.url, "sam")
    page.goto(live_server.url + reverse("queues:queue"))

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts").get_by_role("link")).to_have_text(
        ["Go to the incidents", "Go to the queue"]
    )
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    page.keyboard.press("g")
    page.keyboard.press("d")
    page.wait_for_timeout(300)
    assert page.url == live_server.url + reverse("queues:queue")
