"""Reading the provider's claims: pure rules, no database (the writes are in ``servicedesk.sso.accounts``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The role value of OIDC_ROLE_MAP that makes an administrator (a superuser), not a Django group.
ADMINISTRATORS = "administrators"


def claim_values(claims: Mapping[str, Any], path: str) -> set[str]:
    """The values of a claim as strings; a dotted path reads nested objects (Keycloak's ``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)}


def mapped(values: set[str], mapping: Mapping[str, str]) -> set[str]:
    """What the claim values map to; values the map does not name are ignored."""
    return {mapping[value] for value in values if value in mapping}


def username_from(claims: Mapping[str, Any], claim: str) -> str:
    """The account's username: the configured claim, else the e-mail address; empty if the provider gives neither."""
    return str(claims.get(claim) or claims.get("email") or "").strip()[:150]
