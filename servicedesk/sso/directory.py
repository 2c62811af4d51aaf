"""Sign-in with an LDAP or Active Directory password (django-auth-ldap): the directory checks the password, and the
account is made by ``sso_account_sign_in`` with the person's groups mapped by DN, like OpenID Connect's claims.
Decision record 0026 (docs/decisions/0026-ldap.md).
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import (
    ActiveDirectoryGroupType,
    GroupOfNamesType,
    LDAPSearch,
    LDAPSettings,
    NestedActiveDirectoryGroupType,
    NestedGroupOfNamesType,
)

from servicedesk.signin.log import security_event
from servicedesk.sso.accounts import AccountMapping, SignInRefused, sso_account_sign_in

# LDAP_GROUP_TYPE -> how membership is stored, and which entries are groups.
GROUP_TYPES = {
    "groupOfNames": (GroupOfNamesType, "(objectClass=groupOfNames)"),
    "nestedGroupOfNames": (NestedGroupOfNamesType, "(objectClass=groupOfNames)"),
    "activeDirectory": (ActiveDirectoryGroupType, "(objectClass=group)"),
    "nestedActiveDirectory": (NestedActiveDirectoryGroupType, "(objectClass=group)"),
}
# The claims sso_account_sign_in reads -> the attributes of inetOrgPerson, which Active Directory's user has too.
ATTRIBUTES = {"given_name": "givenName", "family_name": "sn", "email": "mail"}


def dn_key(dn: str) -> str:
    """A DN as LDAP compares it: case and the spaces around ``,`` and ``=`` do not count."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn.strip().lower()))
    except ldap.DECODING_ERROR:
        return dn.strip().lower()


def directory_mapping() -> AccountMapping:
    return AccountMapping(
        source=settings.LDAP_DIRECTORY_NAME,
        username_claim="username",
        role_claim="groups",
        role_map={dn_key(dn): role for dn, role in settings.LDAP_ROLE_MAP.items()},
        group_claim="groups",
        group_map={dn_key(dn): group for dn, group in settings.LDAP_GROUP_MAP.items()},
        require_role=settings.LDAP_REQUIRE_ROLE,
        no_role_message=settings.LDAP_NO_ROLE_MESSAGE,
    )


def directory_claims(username: str, attrs: Any, group_dns: set[str]) -> dict[str, Any]:
    """The directory's entry in the words of OpenID Connect's claims, which ``sso_account_sign_in`` reads."""
    claims: dict[str, Any] = {"username": username, "groups": sorted(dn_key(dn) for dn in group_dns)}
    for claim, attribute in ATTRIBUTES.items():
        values = (attrs or {}).get(attribute) or [""]
        claims[claim] = values[0]
    return claims


def library_settings() -> dict[str, Any]:
    """django-auth-ldap's settings from ours; it neither creates nor updates accounts (``sso_account_sign_in`` does)."""
    if settings.LDAP_GROUP_TYPE not in GROUP_TYPES:
        raise ImproperlyConfigured(
            f"LDAP_GROUP_TYPE={settings.LDAP_GROUP_TYPE!r}: use one of {', '.join(GROUP_TYPES)}."
        )
    group_type, group_filter = GROUP_TYPES[settings.LDAP_GROUP_TYPE]
    group_base = settings.LDAP_GROUP_SEARCH_BASE
    timeout = settings.LDAP_TIMEOUT
    return {
        "SERVER_URI": settings.LDAP_SERVER_URI,
        "BIND_DN": settings.LDAP_BIND_DN,
        "BIND_PASSWORD": settings.LDAP_BIND_PASSWORD,
        "START_TLS": settings.LDAP_START_TLS,
        "USER_SEARCH": LDAPSearch(settings.LDAP_USER_SEARCH_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_USER_FILTER),
        "GROUP_SEARCH": LDAPSearch(group_base, ldap.SCOPE_SUBTREE, group_filter) if group_base else None,
        "GROUP_TYPE": group_type(),
        "ALWAYS_UPDATE_USER": False,
        # Active Directory answers with referrals that the client must not follow with our bind.
        "CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: timeout, ldap.OPT_TIMEOUT: timeout, ldap.OPT_REFERRALS: 0},
    }


class LDAPSignIn(LDAPBackend):
    """The password of the sign-in form checked by the directory; the account made like a single sign-on's.

    Skips local administrators' accounts without asking the directory, so the emergency account signs in when the
    directory is down or slow. A refusal (no role, directory unreachable) is logged, kept for the form
    (``request.sign_in_refusal``) and returns ``None``: the local backends still have their say.
    """

    request: HttpRequest | None = None
    username = ""

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:
            self._settings = LDAPSettings(defaults=library_settings())
        return self._settings

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        username = (username or "").strip().lower()  # as the directory and the local check both see it
        if request is None or not username or not password or _local_administrator(username):
            return None
        self.request, self.username = request, username
        return super().authenticate(request, username=self.username, password=password)

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        try:
            user = ldap_user.authenticate(password)
        except SignInRefused as refusal:
            refuse(self.request, refusal)
            return None
        error = getattr(self.request, "ldap_error", "")
        if user is None and error:
            refuse(self.request, unreachable(error, username=self.username))
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        group_dns = ldap_user.group_dns if self.settings.GROUP_SEARCH else set()
        claims = directory_claims(username, ldap_user.attrs, group_dns)
        user, facts = sso_account_sign_in(claims=claims, mapping=directory_mapping())
        detail = f"roles={sorted(facts.roles)} support_groups={sorted(facts.support_groups)}"
        if facts.created:
            detail += " account created"
        security_event(logging.INFO, "ldap sign-in", request=self.request, username=username, detail=detail)
        if facts.unknown_support_groups:
            security_event(
                logging.WARNING,
                "ldap support group missing",
                request=self.request,
                username=username,
                detail=f"LDAP_GROUP_MAP names {sorted(facts.unknown_support_groups)}, which do not exist",
            )
        return user, False

    def get_user(self, user_id: Any) -> Any:
        # The session loads its user like a password's, with the bell's counts, and without asking the directory.
        return import_string(settings.SSO_SESSION_BACKEND)().get_user(user_id)


def _local_administrator(username: str) -> bool:
    user = get_user_model()._default_manager.filter(username__iexact=username, is_superuser=True).first()
    return bool(user and user.has_usable_password())


def unreachable(error: str, *, username: str) -> SignInRefused:
    directory = settings.LDAP_DIRECTORY_NAME
    message = _("%(directory)s cannot be reached, so your password cannot be checked. Try again later.")
    return SignInRefused(
        f"directory error: {error}", message % {"directory": directory[:1].upper() + directory[1:]}, username=username
    )


def refuse(request: HttpRequest | None, refusal: SignInRefused) -> None:
    """One line on the security log (never the password); the reason kept for the sign-in form to show."""
    security_event(
        logging.WARNING, "ldap sign-in refused", request=request, username=refusal.username, detail=refusal.reason
    )
    if request is not None:
        request.sign_in_refusal = refusal.message


def _directory_error(sender: Any, context: str, user: Any, request: HttpRequest | None, exception: Exception,
                     **kwargs: Any) -> None:  # fmt: skip
    # django-auth-ldap catches the error and answers "no user": the request remembers why, for the refusal.
    if request is not None:
        request.ldap_error = type(exception).__name__


ldap_error.connect(_directory_error, sender=LDAPSignIn, dispatch_uid="servicedesk.sso.directory.error")
