"""Bad input on every page: no URL pattern answers a NUL byte or an out-of-range number with a 5xx.

The pages come from the URL resolver (the admin's included), so a new page is covered without a new test;
the parameter names of a page are the common ones, the ones its view module reads from ``request.GET``, and
the fields of the FilterSets and forms that module uses (docs/decisions/0020-bad-input.md).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import django_filters
import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from servicedesk.demo import load_demo
from tests.clients import SignedInClient

pytestmark = pytest.mark.django_db

NUL = "\x00"
HUGE = "99999999999999999999999"
COMMON_NAMES = ("q", "page", "caller_id", "cis", "service", "ci", "group", "period", "tab", "sort")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
READ_NAMES = re.compile(r"""GET(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.GET""")


@dataclass(frozen=True)
class Page:
    """One URL pattern with the parts needed to fill it: its full route, its view and the view's module."""

    route: str
    name: str
    view: Any

    @property
    def model(self) -> Any:
        view_class = getattr(self.view, "view_class", None)
        model_admin = getattr(self.view, "model_admin", None)
        if model_admin is not None:
            return model_admin.model
        return getattr(view_class, "model", None) or getattr(getattr(view_class, "queryset", None), "model", None)


def pages(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Page]:
    """Every URL pattern written with ``path()``, recursively; the admin's regex catch-alls are left out."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from pages(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            yield Page(prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", entry.callback)


def parameter_names(page: Page) -> tuple[set[str], set[str]]:
    """The query parameters a page reads, and more it might: the names its module reads from ``request.GET``
    and the filters of its FilterSets (or the admin's filters); then the common names and its forms' fields."""
    view = getattr(page.view, "view_class", None) or page.view
    module = inspect.getmodule(view)
    if module is None or module.__name__.startswith("django."):
        return admin_filter_names(page), set(COMMON_NAMES)
    read = {a or b for a, b in READ_NAMES.findall(inspect.getsource(module))}
    more = set(COMMON_NAMES)
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, django_filters.FilterSet) and value.Meta.model:
            read |= set(value.base_filters)
        elif isinstance(value, type) and issubclass(value, forms.BaseForm):
            more |= set(value.base_fields)
    return read, more


def admin_filter_names(page: Page) -> set[str]:
    """The admin changelist's own parameters and those of its field filters."""
    model_admin = getattr(page.view, "model_admin", None)
    if model_admin is None or not page.name.endswith("_changelist"):
        return set()
    names = {"p", "o", "e", "all"}
    for entry in model_admin.list_filter:
        field = entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else None
        if field:
            names |= {f"{field}__exact", f"{field}__id__exact", f"{field}__isnull", f"{field}__gte"}
    return names


class World:
    """The demo data set, and a realistic value for each kind of path parameter."""

    def __init__(self) -> None:
        from cmdb.models import Change, ConfigurationItem
        from incidents.models import Attachment, InboundMail, IncidentPerson, Reevaluation
        from knowledge.models import KnownError, Problem

        load_demo()
        attachment = Attachment.objects.select_related("activity__incident").first()
        self.incident = attachment.activity.incident.number if attachment else "INC0000001"
        self.attachment = attachment
        self.by_name = {
            "cmdb:change_": ("number", Change.objects.values_list("number", flat=True).first()),
            "knowledge:problem_": ("number", Problem.objects.values_list("number", flat=True).first()),
            "knowledge:knownerror_": ("number", KnownError.objects.values_list("number", flat=True).first()),
            "incidents:inbox_": ("pk", InboundMail.objects.values_list("pk", flat=True).first()),
            "incidents:decide_reevaluation": ("pk", Reevaluation.objects.values_list("pk", flat=True).first()),
            "incidents:stop_informing": ("person_id", IncidentPerson.objects.values_list("pk", flat=True).first()),
        }
        ci = ConfigurationItem.objects.values_list("pk", flat=True).first() or 1
        self.defaults = {
            "number": self.incident,
            "ci_id": ci,
            "scope_id": ci,
            "scope": "ci",
            "name": "classify",
            "kind": "contacts",
            "token": "not-a-token",
            "index": 0,
        }

    def value(self, page: Page, name: str) -> str:
        for prefix, (parameter, value) in self.by_name.items():
            if page.name.startswith(prefix) and parameter == name and value is not None:
                return str(value)
        if page.name == "incidents:attachment":
            if self.attachment is None:
                return "notes.txt" if name == "name" else "1"
            return str(self.attachment.pk if name == "pk" else self.attachment.name)
        if name in self.defaults:
            return str(self.defaults[name])
        model = page.model
        if model is not None:
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                return str(first.pk)
        return "1"

    def urls(self, page: Page) -> Iterator[str]:
        """The page's URL, then the same URL with a NUL appended to each path parameter in turn."""
        parameters = [match["name"] for match in ROUTE_PARAMETER.finditer(page.route)]
        values = {name: self.value(page, name) for name in parameters}
        yield "/" + fill(page.route, values)
        for broken in parameters:
            yield "/" + fill(page.route, {**values, broken: values[broken] + NUL})


def fill(route: str, values: dict[str, str]) -> str:
    return ROUTE_PARAMETER.sub(lambda match: quote(values[match["name"]], safe=""), route)


def bad_requests(world: World, page: Page, *, each_name: bool) -> Iterator[str]:
    """The URLs to try on one page: NULs in the path and the query, and numbers out of range or not numbers
    in all its parameters at once; with ``each_name``, a huge number in each parameter it reads on its own."""
    base, *with_nul_in_path = list(world.urls(page))
    yield from with_nul_in_path
    read, more = parameter_names(page)
    yield f"{base}?q=%00"
    for value in (NUL, HUGE, "-" + HUGE, "x"):
        yield f"{base}?{urlencode(dict.fromkeys(sorted(read | more), value))}"
    if each_name:
        for name in sorted(read):
            yield f"{base}?{urlencode({name: HUGE})}"


def test_no_page_answers_bad_input_with_a_server_error():
    world = World()
    User = get_user_model()
    failures: list[str] = []
    tried = 0
    # The administrator sees every page, so each parameter on its own is tried as the administrator only; the
    # admin site answers anyone else with its sign-in page before any of its views runs.
    for username in ("admin", "operator"):
        client = SignedInClient()
        client.force_login(User.objects.get(username=username))
        for page in pages():
            if username != "admin" and page.route.startswith("admin/"):
                continue
            for url in bad_requests(world, page, each_name=username == "admin"):
                tried += 1
                problem = fetch(client, url)
                if problem:
                    failures.append(f"{username} GET {url}: {problem}")
    assert not failures, f"{len(failures)} of {tried} bad requests failed:\n" + "\n".join(failures)


def test_every_page_answers_every_identity_without_a_server_error():
    """Each page, as it is linked (its plain URL), for nobody signed in and for each role of the demo."""
    world = World()
    User = get_user_model()
    failures: list[str] = []
    tried = 0
    for username in (None, "operator", "support", "manager", "admin"):
        client = SignedInClient()
        if username:
            client.force_login(User.objects.get(username=username))
        for page in pages():
            url = next(world.urls(page))
            tried += 1
            problem = fetch(client, url)
            if problem:
                failures.append(f"{username or 'nobody'} GET {url}: {problem}")
    assert tried > 500
    assert not failures, f"{len(failures)} of {tried} pages failed:\n" + "\n".join(failures)


def fetch(client: SignedInClient, url: str) -> str | None:
    """What went wrong with one GET, if anything; each in a savepoint so a database error spoils nothing else."""
    try:
        with transaction.atomic():
            status = client.get(url).status_code
    except Exception as error:  # the test client re-raises what would have been a 500
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return f"status {status}" if status >= 500 else None
