"""Who must sign in with a second factor: the roles of ``MFA_REQUIRED_ROLES``, and superusers as "administrators"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import checks

from servicedesk.roles import Role

ADMINISTRATORS = "administrators"


def _names() -> set[str]:
    return {name.casefold() for name in settings.MFA_REQUIRED_ROLES}


def required_roles() -> list[Role]:
    names = _names()
    return [role for role in Role if role.value.casefold() in names]


def administrators_required() -> bool:
    return ADMINISTRATORS in _names()


def mfa_required(user: AbstractBaseUser) -> bool:
    """Whether the user may do nothing before setting up a second factor (one query for role names)."""
    if user.is_superuser and administrators_required():
        return True
    roles = required_roles()
    # Asked of the database, not of the roles cached on the user object, which may be older than this sign-in.
    return bool(roles) and user.groups.filter(name__in=[role.value for role in roles]).exists()


def check_required_roles(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt role would silently require nothing of it: refuse to start instead."""
    known = {role.value.casefold() for role in Role} | {ADMINISTRATORS}
    unknown = sorted(_names() - known)
    if not unknown:
        return []
    choices = ", ".join([ADMINISTRATORS, *(role.value for role in Role)])
    return [
        checks.Error(
            f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use a comma-separated list of: {choices}.",
            id="servicedesk.E001",
        )
    ]
