"""The main navigation: one declarative list, filtered by what the signed-in user may open.

A feature adds its entry here with the test that decides who sees it; the layout only renders what
``navigation_for`` returns, so no template decides who may see what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    visible: Callable[[User], bool]
    also: tuple[str, ...] = ()  # pages elsewhere that belong to this entry (the reports to the dashboard)
    count: Callable[[User], int | None] | None = None  # a number shown beside the entry (what waits there)


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url: str
    current: bool
    count: int | None = None


def _signed_in(user: User) -> bool:
    return user.is_authenticated


def _reads_cmdb(user: User) -> bool:
    return user.has_perm("cmdb.view_configurationitem")


def _records_incidents(user: User) -> bool:
    return user.has_perm("incidents.add_incident")


def _reads_incidents(user: User) -> bool:
    return user.has_perm("incidents.view_incident")


def _works_in_a_group(user: User) -> bool:
    return user.has_perm("incidents.work_incident") and not user.has_perm("incidents.add_incident")


def _intake_waiting(user: User) -> int | None:
    """The mails waiting in the intake inbox, counted when the user was loaded (no query here)."""
    return getattr(user, "intake_waiting", None)


def _works_incidents(user: User) -> bool:
    return user.has_perm("incidents.work_incident")


def _sees_dashboard(user: User) -> bool:
    return user.has_perm("incidents.view_dashboard")


def _reads_knowledge(user: User) -> bool:
    return user.has_perm("knowledge.view_knownerror")


def _administrator(user: User) -> bool:
    return user.is_active and user.is_superuser


NAVIGATION: list[NavItem] = [
    NavItem(_("Home"), "home", _signed_in),
    NavItem(_("Log a call"), "incidents:record", _records_incidents),
    NavItem(_("Desk work"), "incidents:desk_worklist", _records_incidents),
    NavItem(_("Inbox"), "incidents:inbox", _records_incidents, count=_intake_waiting),
    NavItem(_("Queue"), "queues:queue", _works_in_a_group),
    NavItem(_("Incidents"), "incidents:incident_list", _reads_incidents),
    NavItem(_("Dashboard"), "incidents:dashboard", _sees_dashboard, also=("incidents:reports",)),
    NavItem(_("Knowledge"), "knowledge:search", _reads_knowledge),
    NavItem(_("CMDB"), "cmdb:index", _reads_cmdb),
    NavItem(_("Administration"), "admin:index", _administrator),
]


# Pages under an entry's address that belong to no entry: the notifications, reached from the bell.
OUTSIDE_NAVIGATION = ("incidents:notifications",)


def navigation_for(request: HttpRequest) -> list[NavLink]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    visible = [(item, reverse(item.url_name)) for item in NAVIGATION if item.visible(user)]
    current = _current(request.path, visible)
    return [NavLink(item.label, url, url == current, item.count(user) if item.count else None) for item, url in visible]


def _current(path: str, visible: list[tuple[NavItem, str]]) -> str | None:
    """The address of the entry the page is under: the longest start of the page's address among the entries'
    and the pages they take in ("/incidents/new/" is "Log a call", not also "Incidents"); home on the home page
    only; none for a page outside the navigation."""
    if any(path.startswith(reverse(name)) for name in OUTSIDE_NAVIGATION):
        return None
    starts = [
        (prefix, url)
        for item, url in visible
        for prefix in (url, *(reverse(name) for name in item.also))
        if prefix != "/" and path.startswith(prefix)
    ]
    if starts:
        return max(starts, key=lambda start: len(start[0]))[1]
    return "/" if path == "/" else None


@dataclass(frozen=True)
class Shortcut:
    """A keyboard shortcut to a page (``static/js/servicedesk.js``), listed by ``?`` (``templates/base.html``)."""

    keys: tuple[str, ...]
    label: str | Promise
    url_name: str
    visible: Callable[[User], bool]


@dataclass(frozen=True)
class ShortcutLink:
    keys: tuple[str, ...]
    label: str | Promise
    url: str

    @property
    def typed(self) -> str:
        """The keys as the script matches them: "g i"."""
        return " ".join(self.keys)


# Only to pages the user may open: the same tests as the pages' own permissions.
SHORTCUTS: list[Shortcut] = [
    Shortcut(("n",), _("Log a call"), "incidents:record", _records_incidents),
    Shortcut(("g", "i"), _("Go to the incidents"), "incidents:incident_list", _reads_incidents),
    Shortcut(("g", "q"), _("Go to the queue"), "queues:queue", _works_incidents),
    Shortcut(("g", "d"), _("Go to the desk work"), "incidents:desk_worklist", _records_incidents),
]


def shortcuts_for(request: HttpRequest) -> list[ShortcutLink]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return [ShortcutLink(item.keys, item.label, reverse(item.url_name)) for item in SHORTCUTS if item.visible(user)]
