"""What the sign-in page offers: the password form (local or the directory's passwords), the single sign-on's
button, or both."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# ``/accounts/login/?administrator`` shows the password form when PASSWORD_SIGN_IN is off (decision 0024).
EMERGENCY = "administrator"


def sign_in_options(request: HttpRequest) -> dict[str, object]:
    show_password = (
        settings.PASSWORD_SIGN_IN or settings.LDAP_ENABLED or EMERGENCY in request.GET or request.method == "POST"
    )
    return {
        "password_sign_in": show_password,
        "directory": settings.LDAP_DIRECTORY_NAME if settings.LDAP_ENABLED else "",
        "password_sign_in_off": not settings.PASSWORD_SIGN_IN,
        "sso_provider": settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else "",
        "emergency": EMERGENCY,
    }
