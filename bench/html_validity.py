"""How valid the portal's HTML is: the main pages, rendered on the demo data, through the Nu HTML Checker.

Run it with ``uv run python bench/html_validity.py`` (``--verbose`` lists every error, ``--help`` the options),
after ``npm ci`` at the checkout's root has put the checker (the npm package ``vnu-jar``, a Java program) in
``node_modules``; it needs ``java`` 11 or newer. It loads the demo data (``manage.py serve --demo``'s
``load_demo``) into a database of its own, ``<BENCH_DATABASE>_pages`` (``servicedesk_bench_pages`` by default),
then reuses them (``--reload`` loads them again).

Each page of ``PAGES`` is rendered with Django's test client as every demo account (``ROLES``, one per role) that
may open it, and as nobody for the pages without sign-in; the HTML is handed to the checker in one run. The
script prints the errors of each page, the total, and the errors by kind (the checker's message, its quoted names
kept, so that the 500 errors of one attribute count as one kind). The same pages and checker make
``tests/bench/test_html_validity.py``, which fails on any error; ``tests/e2e/test_accessibility.py`` runs axe-core
on them.
"""

from __future__ import annotations

import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import harness

DATABASE = f"{harness.BENCH_DATABASE}_pages"
VNU_JAR = harness.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


# The demo's accounts, one per role (servicedesk.demo.DEMO_ACCOUNTS): menus, buttons and panels differ by role.
ROLES = ("operator", "support", "manager", "admin")


@dataclass(frozen=True)
class Page:
    """A page of the portal: ``role`` is the demo account that uses it most (it must be able to open it), or
    ``None`` for a page without sign-in; ``url`` is called once Django is set up and the data are there."""

    name: str
    role: str | None
    url: Callable[[], str]


def _reverse(name: str, *args: object, query: str = "") -> Callable[[], str]:
    def url() -> str:
        from django.urls import reverse

        return reverse(name, args=args) + query

    return url


def _fullest_incident(url_name: str) -> Callable[[], str]:
    """A page of the open incident with the longest journal: the incident page (or its print view) at its fullest."""

    def url() -> str:
        from django.db.models import Count
        from django.urls import reverse

        from incidents.choices import OPEN_STATES
        from incidents.models import Incident

        open_incidents = Incident.objects.filter(state__in=OPEN_STATES)
        incident = open_incidents.annotate(entries=Count("journal")).order_by("-entries")[0]
        return reverse(url_name, args=[incident.number])

    return url


def _status_page() -> str:
    """The status page a caller of an open incident opens from a mail."""
    from django.urls import reverse

    from incidents.callers.people import contact_key
    from incidents.callers.status import status_link_token
    from incidents.choices import OPEN_STATES
    from incidents.models import Incident

    incident = Incident.objects.filter(state__in=OPEN_STATES, caller__isnull=False).order_by("pk")[0]
    return reverse("incidents:status_page", args=[status_link_token(incident, contact_key(incident.caller_id))])


def _first(model_path: str, url_name: str) -> Callable[[], str]:
    def url() -> str:
        from django.apps import apps
        from django.urls import reverse

        model = apps.get_model(model_path)
        return reverse(url_name, args=[model.objects.order_by("pk").values_list("pk", flat=True)[0]])

    return url


PAGES: tuple[Page, ...] = (
    Page("sign-in", None, _reverse("login")),
    Page("home", "operator", _reverse("home")),
    Page("preferences", "operator", _reverse("preferences")),
    Page("incident list", "operator", _reverse("incidents:incident_list")),
    Page("incident list, filtered", "operator", _reverse("incidents:incident_list", query="?q=VPN")),
    Page("incident page", "operator", _fullest_incident("incidents:incident_detail")),
    Page("incident print view", "operator", _fullest_incident("incidents:incident_print")),
    Page("log a call", "operator", _reverse("incidents:record")),
    Page("queue", "support", _reverse("queues:queue")),
    Page("desk work list", "operator", _reverse("incidents:desk_worklist")),
    Page("notifications", "support", _reverse("incidents:notifications")),
    Page("canned replies", "operator", _reverse("incidents:canned_list")),
    Page("new canned reply", "operator", _reverse("incidents:canned_create")),
    Page("canned reply", "operator", _first("incidents.CannedReply", "incidents:canned_edit")),
    Page("incident templates", "operator", _reverse("incidents:template_list")),
    Page("new incident template", "operator", _reverse("incidents:template_create")),
    Page("incident template", "manager", _first("incidents.IncidentTemplate", "incidents:template_edit")),
    Page("dashboard", "manager", _reverse("incidents:dashboard")),
    Page("reports", "manager", _reverse("incidents:reports")),
    Page("knowledge search", "operator", _reverse("knowledge:search", query="?q=printer")),
    Page("search everything", "operator", _reverse("search:page", query="?q=printer")),
    Page("known errors", "support", _reverse("knowledge:knownerror_list")),
    Page("problems", "support", _reverse("knowledge:problem_list")),
    Page("articles", "operator", _reverse("knowledge:article_list")),
    Page("configuration items", "support", _reverse("cmdb:ci_list")),
    Page("configuration item", "support", _first("cmdb.ConfigurationItem", "cmdb:ci_detail")),
    Page("services", "support", _reverse("cmdb:service_list")),
    Page("contacts", "operator", _reverse("cmdb:contact_list")),
    Page("status page", None, _status_page),
)


def views(pages: Sequence[Page] = PAGES) -> list[tuple[Page, str | None]]:
    """Each page with each role to try it as: every demo account for a page behind sign-in, its own role first;
    nobody for a page without."""
    return [
        (page, role)
        for page in pages
        for role in ((page.role, *(other for other in ROLES if other != page.role)) if page.role else (None,))
    ]


def view_name(page: Page, role: str | None) -> str:
    return f"{page.name} ({role or 'signed out'})"


def render(pages: Sequence[Page] = PAGES) -> dict[str, str]:
    """The HTML of each page as each role that may open it (``views``), fetched with Django's test client, named
    ``view_name``. A role refused (403) or sent elsewhere (a redirect) is left out; a page its own role cannot
    open stops the run."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    html: dict[str, str] = {}
    clients: dict[str | None, Client] = {}
    for page, role in views(pages):
        client = clients.get(role)
        if client is None:
            client = clients[role] = Client()
            if role is not None:
                client.force_login(get_user_model().objects.get(username=role))
        url = page.url()
        response = client.get(url)
        if response.status_code == 200:
            html[view_name(page, role)] = response.content.decode()
        elif role == page.role or response.status_code not in (302, 403):
            raise SystemExit(f"{view_name(page, role)} ({url}) answered {response.status_code}")
    return html


@dataclass(frozen=True)
class Message:
    page: str
    line: int
    text: str
    extract: str

    @property
    def kind(self) -> str:
        """The message with the specifics of one element left out: attribute values, not attribute names."""
        return re.sub(r"“[^”]*” for attribute", "“…” for attribute", self.text)


def check(html: Mapping[str, str]) -> list[Message]:
    """The Nu HTML Checker's errors on each page (warnings and information left out)."""
    java = shutil.which("java")
    if not java:
        raise SystemExit("The Nu HTML Checker needs java on the PATH.")
    if not VNU_JAR.exists():
        raise SystemExit(f"{VNU_JAR} is missing: run `npm ci` at the checkout's root.")
    with tempfile.TemporaryDirectory() as folder:
        files: dict[str, str] = {}  # the checker's address of a file (file:/... or file:///...) -> the page
        paths = []
        for index, (name, text) in enumerate(html.items()):
            path = Path(folder) / f"page-{index:02d}.html"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
            files[path.as_uri()] = files[f"file:{path}"] = name
        run = subprocess.run(  # noqa: S603 (our own jar, our own files)
            [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--stdout", *paths],
            capture_output=True,
            text=True,
            check=False,
        )
    report = json.loads(run.stdout or "{}")
    messages = []
    for item in report.get("messages", []):
        if item.get("type") != "error":
            continue
        page = files.get(item.get("url", ""), item.get("url", "?"))
        messages.append(Message(page, item.get("lastLine", 0), item.get("message", ""), item.get("extract", "")))
    if run.returncode not in (0, 1) or "messages" not in report:
        raise SystemExit(f"The checker failed ({run.returncode}): {run.stderr[-2000:]}")
    return messages


def summary(html: Mapping[str, str], messages: Sequence[Message], *, verbose: bool = False) -> str:
    """The errors per page, the total, and the errors by kind (most frequent first)."""
    per_page = collections.Counter(message.page for message in messages)
    width = max(len(name) for name in html)
    lines = [f"{'page':<{width}}  errors"]
    lines += [f"{name:<{width}}  {per_page[name]:>6}" for name in html]
    lines.append(f"{'total':<{width}}  {len(messages):>6}")
    kinds = collections.Counter(message.kind for message in messages)
    if kinds:
        lines.append("\nBy kind:")
        lines += [f"{count:>6}  {kind}" for kind, count in kinds.most_common()]
    if verbose:
        lines.append("\nEvery error:")
        lines += [f"{m.page}:{m.line}: {m.text}\n    {m.extract.strip()[:160]}" for m in messages]
    return "\n".join(lines)


def loaded() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="operator").exists()


def load() -> None:
    from servicedesk.demo import load_demo

    load_demo()


def main(argv: Sequence[str] | None = None) -> None:
    parser = harness.arguments(__doc__, data="the demo data")
    parser.add_argument("--verbose", action="store_true", help="list every error with its line and extract")
    args = parser.parse_args(argv)
    harness.setup(None, database=DATABASE, fresh=args.reload)
    harness.ensure_data(
        "the demo data", loaded=loaded, load=load, reload=args.reload, data="the demo data", database=DATABASE
    )
    from django.conf import settings

    # As under pytest: the test client's host, and static files named without the manifest collectstatic writes.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    html = render()
    messages = check(html)
    print(
        f"\nThe Nu HTML Checker ({VNU_JAR.parent.parent.parent.name}) on {len(html)} pages of the demo data, "
        f"each as every role that may open it\n"
    )
    print(summary(html, messages, verbose=args.verbose))
    sys.exit(1 if messages else 0)


if __name__ == "__main__":
    main()
