"""Fixtures shared by every test: people in each role, and the browser set-up for tests/e2e."""

from __future__ import annotations

import importlib
import os
import shutil
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests render pages without running collectstatic first; a fast hasher keeps sign-ins cheap.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files come from the finders, so no collectstatic (and no var/static/) is needed.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    # Outbox mail is sent in-process when the transaction commits (tests read mail.outbox);
    # tests/incidents/test_outbox.py switches this off to go through the broker and a real worker.
    settings.OUTBOX_SEND_EAGERLY = True
    # Webhooks likewise (tests/incidents/test_webhooks_worker.py goes through a real worker).
    settings.WEBHOOK_SEND_EAGERLY = True
    # A known error's vector, likewise (the model is loaded once a test process, when a test first needs it).
    settings.EMBED_EAGERLY = True
    _own_redis_database(settings)


@pytest.fixture(autouse=True)
def _desk_language_and_time_zone() -> Any:
    """Each test starts and ends in the desk's language and time zone: a request's activation (``LocaleMiddleware``,
    ``servicedesk.locales``) lives on the thread, and the test client answers in the test's thread."""
    from django.conf import settings
    from django.utils import timezone, translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


def _own_redis_database(settings: Any) -> None:
    """Under pytest-xdist (``-n 2``) each worker takes the Redis database after ``REDIS_URL``'s by its number, so
    that one worker's Celery workers and keys are not another's: a broadcast ping is answered by any worker on the
    same database. The processes the tests start inherit it through the environment. Database 15 stays the
    scale-out benchmark's."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), settings.REDIS_URL
    if not (worker.startswith("gw") and url):
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    own = parts._replace(path=f"/{(base + 1 + int(worker.removeprefix('gw'))) % 15}").geturl()
    os.environ["REDIS_URL"] = settings.REDIS_URL = own
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": own}}
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = own
    from servicedesk.celery import app

    app.conf.broker_url = app.conf.result_backend = own


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under pytest-xdist (CI: -n 2 --dist loadgroup) the tests that start real processes go to one worker, one after
    # the other, from the start: they take the benchmarks' databases, the serve tests' ports and much of the
    # machine, and the other worker meanwhile runs the rest. First of the hooks, so that xdist's finds the marks.
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("processes"))
            _in_group(config, item, "processes")
    items.sort(key=lambda item: "slow" not in item.keywords)
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: install Debian's chromium package (CI does)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def _in_group(config: pytest.Config, item: pytest.Item, group: str) -> None:
    """The group in the test's id, where xdist's scheduler reads it (``path::test@group``). xdist 3.8 writes it to
    ``item._nodeid``, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386): every test was then a group
    of its own, and the serve tests' shared portal was started once on each worker. Until xdist writes it where
    pytest reads it, it is written here; nothing is done once the id has it."""
    if not getattr(config.option, "loadgroup", False) or item.nodeid.endswith(f"@{group}"):
        return
    node_id = getattr(item, "_id", None)
    if node_id is None:  # an older pytest: xdist's own hook writes it
        return
    from _pytest.nodeid import NodeId

    item._id = NodeId.parse(f"{item.nodeid}@{group}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's chromium, headless, with nothing that reaches for the network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def client() -> Any:
    """Django's test client, whose ``force_login`` includes the second factor (tests/clients.py)."""
    from tests.clients import SignedInClient

    return SignedInClient()


@pytest.fixture
def admin_client(db, admin_user) -> Any:
    """pytest-django's, with the same client."""
    from tests.clients import SignedInClient

    client = SignedInClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def operator(db):
    from tests.factories import UserFactory

    return UserFactory(username="olivia", first_name="Olivia", roles=["Service desk"])


@pytest.fixture
def support_member(db):
    from tests.factories import UserFactory

    return UserFactory(username="sam", first_name="Sam", roles=["Support"])


@pytest.fixture
def manager(db):
    from tests.factories import UserFactory

    return UserFactory(username="maria", first_name="Maria", roles=["Managers"])


@pytest.fixture
def administrator(db):
    from tests.factories import UserFactory

    return UserFactory(username="ada", first_name="Ada", is_staff=True, is_superuser=True)


@pytest.fixture
def config_manager(db):
    from tests.factories import UserFactory

    return UserFactory(username="conny", first_name="Conny", roles=["Configuration managers"])


@pytest.fixture(autouse=True)
def _role_groups_as_migrated(request: pytest.FixtureRequest, django_db_blocker) -> None:
    """The role groups with their permissions, the default service level, the priority matrix and the root causes,
    as the migrations leave them.

    A transactional test (the browser tests, the concurrency tests, those starting processes) empties every table
    when it ends, the rows the data migrations made included; the next database test gets them back here, in
    whatever order the tests run (CI runs the slow ones first, in two processes).
    """
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not uses_db and request.node.get_closest_marker("django_db") is None:
        return
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import connection

    from incidents.models import PriorityRule, RootCause, ServiceLevel
    from servicedesk.roles import Role, grant_role_permissions

    with django_db_blocker.unblock():
        if Group.objects.filter(name__in=[role.value for role in Role]).count() < len(Role):
            for role in Role:
                Group.objects.get_or_create(name=role.value)
            grant_role_permissions()
        # The default service level, which the clock of every incident without another one reads.
        if not ServiceLevel.objects.filter(is_default=True).exists():
            importlib.import_module("incidents.migrations.0011_default_service_level").seed(apps, None)
        if not PriorityRule.objects.exists():
            matrix = importlib.import_module("incidents.migrations.0002_default_priority_matrix")
            matrix.install(apps, SimpleNamespace(connection=connection))
        if not RootCause.objects.exists():
            importlib.import_module("incidents.migrations.0018_closure_root_cause_and_rating_source").seed_root_causes(
                apps, None
            )


@pytest.fixture(autouse=True)
def _no_vectors_left_behind(request: pytest.FixtureRequest, django_db_blocker) -> Any:
    """A test that wrote known errors' vectors leaves the meaning stamp moved (a sequence is not rolled back) and
    the vectors in this process: both go, so that the next test reads none, and counts no query for them. The open
    incidents' vectors this process holds go too."""
    yield
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not uses_db and request.node.get_closest_marker("django_db") is None:
        return
    from django.db import connection

    from incidents import words as incident_words
    from incidents.recording import meaning as incident_meaning
    from knowledge import spelling
    from knowledge.meaning import STAMP_SQL, forget

    incident_meaning.forget()  # the open incidents' vectors of this test's rolled-back incidents
    spelling.forget()  # and the desk's words read with them
    incident_words.forget()  # the statistics of an ANALYZE rolled back with the test
    with django_db_blocker.unblock():
        if connection.connection is not None and not connection.is_usable():
            # A real Celery worker in the test closed it (its Django fix-up does): a new connection resets the stamp,
            # or the next test in this process would count a read of the vectors (outside a transaction only).
            if connection.in_atomic_block:
                return
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute(STAMP_SQL)
            if cursor.fetchone()[0]:
                cursor.execute("SELECT setval('knowledge_meaning_stamp', 1, false)")
                forget()
