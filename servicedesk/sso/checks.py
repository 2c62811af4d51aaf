"""``manage.py check``: a role map (OpenID Connect's or LDAP's) that names no role of the portal is a typo that would
refuse everyone."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from servicedesk.roles import Role
from servicedesk.sso.claims import ADMINISTRATORS


def check_role_map(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    known = {role.value for role in Role} | {ADMINISTRATORS}
    problems: list[CheckMessage] = [
        Error(
            f"OIDC_ROLE_MAP maps {claim!r} to {role!r}, which is not a role.",
            hint=f"Use one of: {', '.join(sorted(known))}.",
            id="servicedesk.E024",
        )
        for claim, role in settings.OIDC_ROLE_MAP.items()
        if role not in known
    ]
    problems += [
        Error(
            f"LDAP_ROLE_MAP maps {group!r} to {role!r}, which is not a role.",
            hint=f"Use one of: {', '.join(sorted(known))}.",
            id="servicedesk.E026",
        )
        for group, role in settings.LDAP_ROLE_MAP.items()
        if role not in known
    ]
    if settings.OIDC_ENABLED and settings.OIDC_REQUIRE_ROLE and not settings.OIDC_ROLE_MAP:
        problems.append(
            Warning(
                "Single sign-on is on with OIDC_REQUIRE_ROLE but OIDC_ROLE_MAP is empty: every sign-in is refused.",
                hint="Set OIDC_ROLE_MAP, or OIDC_REQUIRE_ROLE=false.",
                id="servicedesk.W024",
            )
        )
    if settings.LDAP_ENABLED and settings.LDAP_REQUIRE_ROLE and not settings.LDAP_ROLE_MAP:
        problems.append(
            Warning(
                "LDAP sign-in is on with LDAP_REQUIRE_ROLE but LDAP_ROLE_MAP is empty: every sign-in is refused.",
                hint="Set LDAP_ROLE_MAP, or LDAP_REQUIRE_ROLE=false.",
                id="servicedesk.W026",
            )
        )
    return problems
