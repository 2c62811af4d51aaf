"""What the sign-in page offers: the password form, the single sign-on's button, or both."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# ``/accounts/login/?administrator`` shows the password form when PASSWORD_SIGN_IN is off (decision 0024).
EMERGENCY = "administrator"


def sign_in_options(request: HttpRequest) -> dict[str, object]:
    show_password = settings.PASSWORD_SIGN_IN or EMERGENCY in request.GET or request.method == "POST"
    return {
        "password_sign_in": show_password,
        "password_sign_in_off": not settings.PASSWORD_SIGN_IN,
        "sso_provider": settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else "",
        "emergency": EMERGENCY,
    }
