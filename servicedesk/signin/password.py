"""``PASSWORD_SIGN_IN`` off: a password signs in administrators only (their local emergency accounts)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


class PasswordSignInPolicy:
    """An authentication backend that signs in no one; it stops a password sign-in that the settings refuse.

    It looks only at the username, before any password is checked, so a refusal says nothing about the password;
    ``PermissionDenied`` ends the chain, and the failure is counted and logged like a wrong password.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:  # fmt: skip
        if settings.PASSWORD_SIGN_IN or username is None or password is None:
            return
        user_model = get_user_model()
        if not user_model._default_manager.filter(username=username, is_superuser=True, is_active=True).exists():
            raise PermissionDenied
