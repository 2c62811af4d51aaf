"""The demo data set for ``serve --demo``: believable, small, and safe to load twice.

Each feature adds its loader to ``LOADERS``, in dependency order (directory data before incidents).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

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


def _load_cmdb() -> None:
    from cmdb.demo import load_cmdb_demo

    load_cmdb_demo()


def _load_knowledge() -> None:
    from knowledge.demo import load_knowledge_demo

    load_knowledge_demo()


def _load_incidents() -> None:
    from incidents.demo import load_incidents_demo

    load_incidents_demo()


# After the accounts, in dependency order: directory data before knowledge before incidents.
LOADERS: list[Callable[[], None]] = [_load_cmdb, _load_knowledge, _load_incidents]


@transaction.atomic
def load_demo() -> list[str]:
    """Load the demo accounts, then every feature's demo data; returns the demo account names."""
    accounts = load_accounts()
    for loader in LOADERS:
        loader()
    return accounts
