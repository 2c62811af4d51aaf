"""The account behind a single sign-on: created just in time, its names, roles and support groups made to match the
provider's claims (or the directory's entry, ``servicedesk.sso.directory``) at every sign-in.

Only what the maps name is managed: a role or support group that the role or group map (``OIDC_ROLE_MAP``,
``LDAP_ROLE_MAP``...) does not mention is left as an administrator set it. Support groups live in cmdb, which this
layer may not import, so they are looked up by name through the app registry.
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


@dataclass(frozen=True)
class AccountMapping:
    """Where the claims come from and how they map: OpenID Connect's settings (``oidc_mapping``) or LDAP's."""

    source: str
    username_claim: str
    role_claim: str
    role_map: Mapping[str, str]
    group_claim: str
    group_map: Mapping[str, str]
    require_role: bool
    no_role_message: str = ""


def oidc_mapping() -> AccountMapping:
    return AccountMapping(
        source=settings.OIDC_PROVIDER_NAME,
        username_claim=settings.OIDC_USERNAME_CLAIM,
        role_claim=settings.OIDC_ROLE_CLAIM,
        role_map=settings.OIDC_ROLE_MAP,
        group_claim=settings.OIDC_GROUP_CLAIM,
        group_map=settings.OIDC_GROUP_MAP,
        require_role=settings.OIDC_REQUIRE_ROLE,
        no_role_message=settings.OIDC_NO_ROLE_MESSAGE,
    )


@dataclass
class SignInFacts:
    """What a sign-in found and changed, for the security log."""

    created: bool = False
    roles: set[str] = field(default_factory=set)
    support_groups: set[str] = field(default_factory=set)
    unknown_support_groups: set[str] = field(default_factory=set)


def no_role_message(mapping: AccountMapping) -> str:
    return mapping.no_role_message or _(
        "Your account at %(provider)s gives you no role in the service desk. "
        "Ask your administrator to add you to one of its groups for the service desk."
    ) % {"provider": mapping.source}


@transaction.atomic
def sso_account_sign_in(
    *, claims: Mapping[str, Any], mapping: AccountMapping | None = None
) -> tuple[AbstractUser, SignInFacts]:
    """The account for verified ``claims``, created if new, with names, e-mail, roles and support groups updated
    through ``mapping`` (OpenID Connect's when not given).

    Raises ``SignInRefused`` (nothing written) when the claims name no account, give no role while the mapping
    requires one, or point at a disabled account or a local administrator's emergency account.
    """
    mapping = mapping or oidc_mapping()
    username = username_from(claims, mapping.username_claim)
    if not username:
        raise SignInRefused("no username claim", _("The sign-in did not say who you are. Ask your administrator."))
    roles = mapped(claim_values(claims, mapping.role_claim), mapping.role_map)
    if not roles and mapping.require_role:
        raise SignInRefused("no role", no_role_message(mapping), username=username)
    user_model = get_user_model()
    user = user_model._default_manager.select_for_update().filter(username=username).first()
    facts = SignInFacts(created=user is None, roles=roles)
    if user is None:
        user = user_model._default_manager.create_user(username)
    else:
        _check_may_sign_in(user)
    _update_person(user, claims)
    _apply_roles(user, roles, managed=set(mapping.role_map.values()))
    groups = mapped(claim_values(claims, mapping.group_claim), mapping.group_map)
    facts.support_groups, facts.unknown_support_groups = _apply_support_groups(
        user, groups, managed=set(mapping.group_map.values())
    )
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


def _apply_roles(user: AbstractUser, roles: set[str], *, managed: set[str]) -> None:
    if ADMINISTRATORS in managed:
        user.is_superuser = user.is_staff = ADMINISTRATORS in roles
        user.save(update_fields=["is_superuser", "is_staff"])
    groups = {group.name: group for group in Group.objects.filter(name__in=managed - {ADMINISTRATORS})}
    user.groups.add(*(group for name, group in groups.items() if name in roles))
    user.groups.remove(*(group for name, group in groups.items() if name not in roles))


def _apply_support_groups(user: AbstractUser, wanted: set[str], *, managed: set[str]) -> tuple[set[str], set[str]]:
    """Membership of the mapped support groups; returns the groups joined and those named but not found."""
    support_group = apps.get_model("cmdb", "SupportGroup")
    found = {group.name: group for group in support_group.objects.filter(name__in=managed)}
    through = support_group.members.through
    through.objects.filter(user=user, supportgroup__in=[g for n, g in found.items() if n not in wanted]).delete()
    for name, group in found.items():
        if name in wanted:
            group.members.add(user)
    return wanted & found.keys(), wanted - found.keys()
