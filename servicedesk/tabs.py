"""The tabs of a work list: each a named condition with a sentence for when it is empty, shown with its count
(``templates/incidents/partials/tabs.html``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.functional import Promise


@dataclass(frozen=True)
class Tab:
    name: str
    label: str | Promise
    empty: str | Promise
    condition: Callable[[AbstractBaseUser, datetime.datetime], Q]


def tab_named(name: str | None, tabs: tuple[Tab, ...]) -> Tab:
    """The tab of that name among ``tabs``; the first when there is none."""
    return next((tab for tab in tabs if tab.name == name), tabs[0])


def tab_links(tabs: tuple[Tab, ...], counts: dict[str, int], current: Tab, **query: str) -> list[dict[str, Any]]:
    """The tabs as a page's navigation shows them: each with its count and its link's query (``query`` kept in
    it), the current one marked."""
    return [
        {
            "tab": tab,
            "count": counts[tab.name],
            "current": tab is current,
            "query": urlencode({"tab": tab.name, **query}),
        }
        for tab in tabs
    ]
