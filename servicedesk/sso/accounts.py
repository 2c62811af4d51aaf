"""The account behind a single sign-on: created just in time, its names, roles and support groups made to match the
provider's claims at every sign-in.

Only what the maps name is managed: a role or support group that ``OIDC_ROLE_MAP`` or ``OIDC_GROUP_MAP`` does not
mention is left as an administrator set it. Support groups live in cmdb, which this layer may not import, so they
are looked up by name through the app registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.sso.claims import ADMINISTRATORS, claim_values, mapped, username_from

NAME_LENGTH = 150


class SignInRefused(Exception):
    """A single sign-on the portal refuses: ``reason`` for the security log, ``message`` for the person."""

    def __init__(self, reason: str, message: str, *, username: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.username = username


@dataclass
class SignInFacts:
    """What a sign-in found and changed, for the security log."""

    created: bool = False
    roles: set[str] = field(default_factory=set)
    support_groups: set[str] = field(default_factory=set)
    unknown_support_groups: set[str] = field(default_factory=set)


def no_role_message() -> str:
    return settings.OIDC_NO_ROLE_MESSAGE or _(
        "Your account at %(provider)s gives you no role in the service desk. "
        "Ask your administrator to add you to one of its groups for the service desk."
    ) % {"provider": settings.OIDC_PROVIDER_NAME}


@transaction.atomic
def sso_account_sign_in(*, claims: Mapping[str, Any]) -> tuple[AbstractUser, SignInFacts]:
    """The account for verified ``claims``, created if new, with names, e-mail, roles and support groups updated.

    Raises ``SignInRefused`` (nothing written) when the claims name no account, give no role while
    ``OIDC_REQUIRE_ROLE`` is on, or point at a disabled account or a local administrator's emergency account.
    """
    username = username_from(claims, settings.OIDC_USERNAME_CLAIM)
    if not username:
        raise SignInRefused("no username claim", _("The sign-in did not say who you are. Ask your administrator."))
    roles = mapped(claim_values(claims, settings.OIDC_ROLE_CLAIM), settings.OIDC_ROLE_MAP)
    if not roles and settings.OIDC_REQUIRE_ROLE:
        raise SignInRefused("no role", no_role_message(), username=username)
    user_model = get_user_model()
    user = user_model._default_manager.select_for_update().filter(username=username).first()
    facts = SignInFacts(created=user is None, roles=roles)
    if user is None:
        user = user_model._default_manager.create_user(username)
    else:
        _check_may_sign_in(user)
    _update_person(user, claims)
    _apply_roles(user, roles)
    groups = mapped(claim_values(claims, settings.OIDC_GROUP_CLAIM), settings.OIDC_GROUP_MAP)
    facts.support_groups, facts.unknown_support_groups = _apply_support_groups(user, groups)
    return user, facts


def _check_may_sign_in(user: AbstractUser) -> None:
    if not user.is_active:
        raise SignInRefused("account disabled", _("Your account is disabled."), username=user.username)
    # An administrator's local account is the way in when the provider is down: the provider never takes it over.
    if user.is_superuser and user.has_usable_password():
        raise SignInRefused(
            "local administrator account",
            _("This is a local administrator's account: sign in with its password."),
            username=user.username,
        )


def _update_person(user: AbstractUser, claims: Mapping[str, Any]) -> None:
    user.first_name = str(claims.get("given_name") or user.first_name)[:NAME_LENGTH]
    user.last_name = str(claims.get("family_name") or user.last_name)[:NAME_LENGTH]
    user.email = str(claims.get("email") or user.email)[:254]
    user.save()


def _apply_roles(user: AbstractUser, roles: set[str]) -> None:
    managed = set(settings.OIDC_ROLE_MAP.values())
    if ADMINISTRATORS in managed:
        user.is_superuser = user.is_staff = ADMINISTRATORS in roles
        user.save(update_fields=["is_superuser", "is_staff"])
    groups = {group.name: group for group in Group.objects.filter(name__in=managed - {ADMINISTRATORS})}
    user.groups.add(*(group for name, group in groups.items() if name in roles))
    user.groups.remove(*(group for name, group in groups.items() if name not in roles))


def _apply_support_groups(user: AbstractUser, wanted: set[str]) -> tuple[set[str], set[str]]:
    """Membership of the mapped support groups; returns the groups joined and those named but not found."""
    support_group = apps.get_model("cmdb", "SupportGroup")
    managed = set(settings.OIDC_GROUP_MAP.values())
    found = {group.name: group for group in support_group.objects.filter(name__in=managed)}
    through = support_group.members.through
    through.objects.filter(user=user, supportgroup__in=[g for n, g in found.items() if n not in wanted]).delete()
    for name, group in found.items():
        if name in wanted:
            group.members.add(user)
    return wanted & found.keys(), wanted - found.keys()
