"""Browser tests run against ``live_server``, whose database is emptied after every test; the root
conftest puts the role groups back before each one.

The user guides' pictures come from these tests, never from a hand: ``docs_screenshot(page, name)`` at the
moment a guide shows writes ``docs/images/<name>.png`` when ``DOCS_SCREENSHOTS=1`` is set
(``DOCS_SCREENSHOTS=1 uv run pytest tests/e2e``), and otherwise only a copy in the test's output folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# A laptop screen: wide enough for the incident page's two columns, small enough for a light PNG.
DOCS_VIEWPORT = {"width": 1366, "height": 900}
# A small phone: the callers' pages must fit it without scrolling sideways.
PHONE = {"width": 375, "height": 740}

Screenshot = Callable[..., Path]


def docs_screenshots_wanted() -> bool:
    return os.environ.get("DOCS_SCREENSHOTS") == "1"


@pytest.fixture
def docs_screenshot(output_path: str) -> Screenshot:
    """``docs_screenshot(page, "queue")``: the page as a user guide shows it, at the docs' viewport.

    The viewport changes for the rest of the test (the locators do not depend on it); ``full_page=True`` only
    where the part a guide talks about is below the fold; ``viewport=PHONE`` for a page made for phones.
    """
    folder = DOCS_IMAGES if docs_screenshots_wanted() else Path(output_path) / "docs-images"

    def take(page: Page, name: str, *, full_page: bool = False, viewport: dict[str, int] | None = None) -> Path:
        wanted = viewport or DOCS_VIEWPORT
        if page.viewport_size != wanted:
            page.set_viewport_size(wanted)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
        return path

    return take
