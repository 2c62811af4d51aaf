"""Every main page passes axe-core's WCAG 2.2 A and AA rules (and its best practices), as each role sees it, and its
contrast rule in the dark and high-contrast themes.

axe-core comes from the npm registry (``package.json``; ``npm ci`` at the checkout's root, which ``.ci/run``
does) and is handed to the page through Playwright's ``evaluate``, the way a browser's devtools run a script: the
portal's Content Security Policy stays as served (an injected ``<script>`` would be refused by it). The pages
are those of ``bench/html_validity.py``, on the demo data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from cmdb.models import ConfigurationItem, Contact
from servicedesk.demo import DEMO_PASSWORD, load_demo
from servicedesk.models import Density, Theme
from servicedesk.preferences import preferences_save

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import html_validity  # noqa: E402 (a script of bench/, not a package)

pytestmark = pytest.mark.e2e

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, headings, unique ids, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def axe_violations(page: Page, rules: list[str] | None = None) -> list[str]:
    """axe-core's violations on the page as it stands, one line each: rule, impact, the elements it names. All the
    rules of ``AXE_TAGS``, or only ``rules``."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    violations = page.evaluate("runOnly => axe.run(document, {runOnly}).then(result => result.violations)", run_only)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in violations
    ]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_main_pages_have_no_axe_violations(live_server, browser: Browser):
    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE}: run `npm ci --ignore-scripts` (CI does)")
    load_demo()
    found: dict[str, list[str]] = {}
    pages: dict[str | None, Page] = {}
    checked = []
    for spec, role in html_validity.views():
        page = pages.get(role)
        if page is None:
            page = pages[role] = browser.new_page()
            if role is not None:
                sign_in(page, live_server.url, role)
        response = page.goto(live_server.url + spec.url())
        if role != spec.role and (response.status == 403 or not page.url.endswith(spec.url())):
            continue  # a page this role may not open (refused, or sent elsewhere)
        page.wait_for_load_state("networkidle")
        checked.append(html_validity.view_name(spec, role))
        violations = axe_violations(page)
        if violations:
            found[html_validity.view_name(spec, role)] = violations
    assert "incident page (support)" in checked and "dashboard (operator)" in checked
    # The pickers of the logging form, open: their options are what a screen reader reads while the operator types.
    page = pages["operator"]
    page.goto(live_server.url + reverse("incidents:record"))
    for box, results, text in (
        ("#id_caller", "#caller-results", Contact.objects.order_by("pk")[0].last_name[:4]),
        ("#ci-search", "#ci-results", ConfigurationItem.objects.order_by("pk")[0].name[:4]),
    ):
        page.locator(box).press_sequentially(text)
        expect(page.locator(f"{results} [role=option]").first).to_be_visible()
        violations = axe_violations(page)
        if violations:
            found[f"log a call, {box} open (operator)"] = violations
        page.locator(box).press("Escape")  # closed, so that the next picker's options are checked alone
    for page in pages.values():
        page.close()

    assert found == {}, "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items())


@pytest.mark.parametrize("theme", [Theme.DARK, Theme.CONTRAST])
def test_the_dark_and_high_contrast_themes_keep_every_text_readable(live_server, browser: Browser, theme):
    """axe-core's color-contrast rule (WCAG 1.4.3, AA) on every main page, each role having chosen the theme."""
    if not AXE.exists():
        pytest.skip(f"no axe-core at {AXE}: run `npm ci --ignore-scripts` (CI does)")
    load_demo()
    for user in get_user_model().objects.filter(username__in={spec.role for spec in html_validity.PAGES}):
        preferences_save(by=user, theme=theme, density=Density.COMFORTABLE)
    found: dict[str, list[str]] = {}
    pages: dict[str | None, Page] = {}
    for spec in html_validity.PAGES:
        page = pages.get(spec.role)
        if page is None:
            # Signed out, the sign-in page follows the system's setting: dark here (the callers' pages stay light).
            page = pages[spec.role] = browser.new_page(color_scheme="dark")
            if spec.role is not None:
                sign_in(page, live_server.url, spec.role)
        page.goto(live_server.url + spec.url())
        page.wait_for_load_state("networkidle")
        if spec.role is not None:
            expect(page.locator("html")).to_have_attribute("data-theme", theme)
        violations = axe_violations(page, rules=["color-contrast"])
        if violations:
            found[f"{spec.name} ({spec.role or 'signed out'})"] = violations
    for page in pages.values():
        page.close()

    assert found == {}, "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items())
