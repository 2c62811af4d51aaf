"""The demo data set: one account per role, password "demo", safe to load twice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from servicedesk.demo import DEMO_PASSWORD, demo_loaders, load_demo
from servicedesk.roles import Role, user_roles

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_demo_accounts_have_their_roles_and_the_demo_password():
    assert load_demo() == ["operator", "support", "manager", "admin"]

    users = {user.username: user for user in get_user_model().objects.all()}
    assert user_roles(users["operator"]) == {Role.SERVICE_DESK}
    assert user_roles(users["support"]) == {Role.SUPPORT}
    assert user_roles(users["manager"]) == {Role.MANAGERS}
    assert users["admin"].is_superuser
    assert not users["operator"].is_staff
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())


def test_loading_the_demo_twice_creates_nothing_twice():
    load_demo()
    load_demo()

    assert get_user_model().objects.count() == 4


def test_loading_the_whole_demo_twice_adds_no_row_to_any_table():
    def rows() -> dict[str, int]:
        demo_apps = ("auth", "cmdb", "knowledge", "incidents")
        models = [model for model in apps.get_models(include_auto_created=True) if model._meta.app_label in demo_apps]
        return {model._meta.label: model.objects.count() for model in models}

    load_demo()
    once = rows()
    load_demo()

    assert rows() == once
    assert once["incidents.Incident"] > 250


def test_each_app_declares_its_demo_loader_and_they_run_in_installed_apps_order():
    assert [f"{loader.__module__}.{loader.__name__}" for loader in demo_loaders()] == [
        "cmdb.demo.load_cmdb_demo",
        "knowledge.demo.load_knowledge_demo",
        "incidents.demo.load_incidents_demo",
    ]


def imported_apps(*folders: str) -> dict[str, set[str]]:
    """The apps each module under ``folders`` imports, anywhere in it (function-local imports included)."""
    found = {}
    for folder in folders:
        for path in sorted((ROOT / folder).glob("**/*.py")) if (ROOT / folder).is_dir() else [ROOT / folder]:
            names = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module)
            found[str(path.relative_to(ROOT))] = {name.split(".")[0] for name in names}
    return found


@pytest.mark.parametrize(
    ("folders", "above"),
    [
        (("servicedesk/demo.py", "servicedesk/demo_data.py"), {"cmdb", "knowledge", "incidents"}),
        (("cmdb/demo",), {"knowledge", "incidents"}),
        (("knowledge/demo",), {"incidents"}),
    ],
)
def test_the_demo_imports_only_downwards(folders, above):
    modules = imported_apps(*folders)

    assert modules
    assert {module: names & above for module, names in modules.items() if names & above} == {}
