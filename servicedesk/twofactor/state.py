"""Where a signed-in session stands with the second factor, kept in the session so that a page costs no query.

Worked out once at sign-in (``user_logged_in``), and again for a session that has none (signed in before two-factor
sign-in existed) or that was verified with a device removed since.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django_otp.models import Device

from servicedesk.twofactor.devices import has_device
from servicedesk.twofactor.policy import mfa_required

STATE = "servicedesk.mfa"
CODE = "code"  # a device is set up: its code comes before anything else
ENROL = "enrol"  # a role that requires a device, and none yet: setting one up comes before anything else
VERIFIED = "verified"  # the code was given in this session (django-otp keeps which device gave it)
FREE = "free"  # no device, and none required

DONE = {VERIFIED, FREE}


def state_for(user: AbstractBaseUser) -> str:
    if has_device(user):
        return CODE
    return ENROL if mfa_required(user) else FREE


def session_signed_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """``user_logged_in``: a new session owes the code of the user's device, if they have one."""
    if request is not None and hasattr(request, "session"):
        request.session[STATE] = state_for(user)


def session_state(request: HttpRequest) -> str:
    """The signed-in session's state."""
    state = request.session.get(STATE)
    if state == VERIFIED and not _verified(request):
        state = None
    if state is None:
        state = state_for(request.user)
        request.session[STATE] = state
    return state


def second_step_done(request: HttpRequest) -> bool:
    """Whether the session may go anywhere: verified by a code, or with no device and none required."""
    return request.user.is_authenticated and session_state(request) in DONE


def session_verified(request: HttpRequest, device: Device) -> None:
    """The session has given a code of ``device``: django-otp keeps the device (``request.user.is_verified()``)."""
    django_otp.login(request, device)
    request.session[STATE] = VERIFIED


def session_unverified(request: HttpRequest) -> str:
    """The user's devices are gone: the session's state worked out again (and returned)."""
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.user.otp_device = None
    request.session[STATE] = state = state_for(request.user)
    return state


def _verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())
