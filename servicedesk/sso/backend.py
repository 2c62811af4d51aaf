"""The authentication backend of the OpenID Connect callback: the ID token checked, the account signed in."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from servicedesk.signin.log import security_event
from servicedesk.sso.accounts import SignInRefused, sso_account_sign_in
from servicedesk.sso.provider import provider_setting

# Seconds of difference between the provider's clock and ours that a token's times may show.
LEEWAY = 60


def not_a_password(request: HttpRequest, credentials: dict | None = None) -> bool:
    """``AXES_WHITELIST_CALLABLE``: the callback's sign-in is no password guess (state, nonce and PKCE stop a replay),
    so axes neither counts it nor stores its query string, which holds the authorization code."""
    return "nonce" in (credentials or {})


def token_refused(message: str) -> SignInRefused:
    return SignInRefused(message, _("The sign-in could not be verified. Try again, or ask your administrator."))


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with endpoints from discovery, ``iss``, ``aud`` and ``exp`` checked (the library
    checks the signature and nonce only), the userinfo merged into the ID token's claims, and the account made by
    ``sso_account_sign_in``. A refusal is logged and shown on the sign-in page; it never raises to the view."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in: the provider's settings (and its discovery document) are
        # read in the callback only, so a password sign-in works while the provider is down.
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return provider_setting(attr, *args)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback passes a nonce; a password form's POST carrying ?code= is none of our business.
        if request is None or "nonce" not in kwargs or "username" in kwargs:
            return None
        try:
            OIDCAuthenticationBackend.__init__(self)
            return super().authenticate(request, **kwargs)
        except SignInRefused as refusal:
            refuse(request, refusal)
        except requests.RequestException as error:
            status = getattr(error.response, "status_code", None)
            refuse(request, token_refused(f"provider answered {status}" if status else "provider unreachable"))
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        try:
            payload = super().verify_token(token, **kwargs)
        except SuspiciousOperation as error:
            raise token_refused(str(error)) from error
        except jwt.InvalidTokenError as error:
            raise token_refused(f"ID token refused: {type(error).__name__}") from error
        check_id_token(payload, client_id=self.OIDC_RP_CLIENT_ID)
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise token_refused("userinfo is about another subject")
            claims.update(userinfo)
        user, facts = sso_account_sign_in(claims=claims)
        detail = f"roles={sorted(facts.roles)} support_groups={sorted(facts.support_groups)}"
        if facts.created:
            detail += " account created"
        security_event(logging.INFO, "sso sign-in", request=self.request, username=user.get_username(), detail=detail)
        if facts.unknown_support_groups:
            security_event(
                logging.WARNING,
                "sso support group missing",
                request=self.request,
                username=user.get_username(),
                detail=f"OIDC_GROUP_MAP names {sorted(facts.unknown_support_groups)}, which do not exist",
            )
        return user


def check_id_token(payload: dict[str, Any], *, client_id: str) -> None:
    """The checks of OpenID Connect Core 3.1.3.7 that mozilla-django-oidc leaves out: issuer, audience, expiry."""
    if payload.get("iss", "").rstrip("/") != settings.OIDC_ISSUER:
        raise token_refused("ID token from another issuer")
    audience = payload.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if client_id not in audiences:
        raise token_refused("ID token for another audience")
    if len(audiences) > 1 and payload.get("azp") != client_id:
        raise token_refused("ID token for another authorized party")
    expires = payload.get("exp")
    if not isinstance(expires, int | float) or expires + LEEWAY < time.time():
        raise token_refused("ID token expired")


def refuse(request: HttpRequest, refusal: SignInRefused) -> None:
    """A refused single sign-on: one line on the security log, the reason shown to the person."""
    security_event(
        logging.WARNING, "sso sign-in refused", request=request, username=refusal.username, detail=refusal.reason
    )
    request.sso_refused = True
    messages.error(request, refusal.message)
