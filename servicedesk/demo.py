"""The demo data set for ``serve --demo``: believable, small, and safe to load twice.

The accounts are loaded here; every other app declares its own loader as ``demo_loader`` on its AppConfig,
called in INSTALLED_APPS order, so this module imports none of the apps (docs/decisions/0015-demo-data-as-data.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.module_loading import import_string

from servicedesk.roles import Role

DEMO_PASSWORD = "demo"  # noqa: S105 - printed at start; demo accounts exist only with --demo

DEMO_ACCOUNTS: list[tuple[str, str, str, Role | None]] = [
    ("operator", "Olivia", "Okafor", Role.SERVICE_DESK),
    ("support", "Sam", "Lindqvist", Role.SUPPORT),
    ("manager", "Maria", "Costa", Role.MANAGERS),
    ("admin", "Ada", "Mensah", None),
]


def load_accounts() -> list[str]:
    """The demo accounts, one per role, all with the password ``demo``; ``admin`` is a superuser."""
    User = get_user_model()
    names = []
    for username, first, last, role in DEMO_ACCOUNTS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.example",
                "is_staff": role is None,
                "is_superuser": role is None,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
        names.append(username)
    return names


def demo_loaders() -> list[Callable[[], None]]:
    """The installed apps' demo loaders (``demo_loader``, a dotted path on the AppConfig), in INSTALLED_APPS order."""
    return [
        import_string(config.demo_loader)
        for config in django_apps.get_app_configs()
        if getattr(config, "demo_loader", None)
    ]


@transaction.atomic
def load_demo() -> list[str]:
    """Load the demo accounts, then every feature's demo data; returns the demo account names."""
    accounts = load_accounts()
    for loader in demo_loaders():
        loader()
    return accounts
