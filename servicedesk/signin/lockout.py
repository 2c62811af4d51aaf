"""The answer to a locked-out sign-in: the sign-in page with the wait (``AXES_LOCKOUT_CALLABLE``)."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from servicedesk.signin.options import sign_in_options

# 429 Too Many Requests: the refusal is about the number of tries, not about who is asking.
LOCKED_OUT_STATUS = 429


def lockout_minutes(request: HttpRequest) -> int:
    """Minutes to wait: the cool-off, counted from this refused try (each one starts it again)."""
    return max(1, math.ceil(get_cool_off(request).total_seconds() / 60))


def lockout_message(minutes: int) -> str:
    """The same words whether the account exists or not, and whether the password was right or not."""
    return ngettext(
        "Too many failed sign-ins for this account or address. Try again in %(minutes)d minute, "
        "or ask an administrator to unlock it.",
        "Too many failed sign-ins for this account or address. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The sign-in page again, with the typed username, the message and a ``Retry-After``."""
    minutes = lockout_minutes(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout": lockout_message(minutes),
        **sign_in_options(request),
    }
    page = render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
    page["Retry-After"] = str(minutes * 60)
    return page
