"""The main pages are valid HTML: bench/html_validity.py's pages, on the demo data, through the Nu HTML Checker.

Slow (it starts the checker, a Java program, and loads the demo); it needs ``npm ci`` at the checkout's root,
which ``.ci/run`` does (skipped, with the reason, without it, as the browser tests are without chromium).
"""

import html_validity
import pytest

from servicedesk.demo import DEMO_ACCOUNTS, load_demo


def test_the_roles_are_the_demo_accounts():
    assert tuple(username for username, *_ in DEMO_ACCOUNTS) == html_validity.ROLES


def test_the_summary_counts_errors_per_page_and_by_kind():
    html = {"a": "", "b": ""}
    messages = [
        html_validity.Message("a", 1, "Bad value “2026-12-01T14:00:00.123456” for attribute “datetime”.", ""),
        html_validity.Message("a", 2, "Bad value “2026-12-02T09:00:00.5” for attribute “datetime”.", ""),
    ]

    lines = html_validity.summary(html, messages).splitlines()

    assert lines[1].split() == ["a", "2"]
    assert lines[2].split() == ["b", "0"]
    assert lines[3].split() == ["total", "2"]
    assert "     2  Bad value “…” for attribute “datetime”." in lines  # one kind, whatever the values


@pytest.mark.slow
@pytest.mark.django_db
def test_the_main_pages_are_valid_html():
    if not html_validity.VNU_JAR.exists():
        pytest.skip(f"no checker at {html_validity.VNU_JAR}: run `npm ci --ignore-scripts` (CI does)")
    load_demo()

    html = html_validity.render()
    messages = html_validity.check(html)

    # Every page as its own role, and the pages staff share as the other roles too.
    assert {html_validity.view_name(page, page.role) for page in html_validity.PAGES} <= set(html)
    assert "incident page (support)" in html and "incident page (manager)" in html
    assert "log a call (support)" not in html  # support does not log calls: refused, so not checked as support
    assert messages == [], html_validity.summary(html, messages, verbose=True)
