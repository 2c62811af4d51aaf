"""The two-factor pages: setting up the app, the code after the password, new recovery codes, removing it all."""

from __future__ import annotations

import logging
from base64 import b32encode
from binascii import unhexlify

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from servicedesk.sessions import sessions_end, sessions_of
from servicedesk.signin.log import security_event
from servicedesk.twofactor.devices import (
    Checked,
    app_device,
    code_check,
    first_code_step,
    recovery_codes_left,
    recovery_codes_renew,
    totp_enrol,
    two_factor_remove,
)
from servicedesk.twofactor.forms import CodeForm, FirstCodeForm
from servicedesk.twofactor.qr import qr_svg
from servicedesk.twofactor.state import CODE, ENROL, session_state, session_unverified, session_verified

PENDING_KEY = "servicedesk.mfa.pending_key"  # the key being set up, until its first code confirms it
FEW_CODES_LEFT = 3


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The user's two-factor sign-in: set it up, or (once set up) renew the recovery codes or remove it."""
    device = app_device(request.user)
    if device is None:
        return _enrol(request)
    context = {
        "device": device,
        "codes_left": recovery_codes_left(request.user),
        "renew_form": CodeForm(prefix="renew"),
        "remove_form": CodeForm(prefix="remove"),
    }
    return render(request, "registration/two_factor.html", context)


def _enrol(request: HttpRequest) -> HttpResponse:
    key = request.session.get(PENDING_KEY) or random_hex(20)
    request.session[PENDING_KEY] = key
    form = FirstCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        step = first_code_step(key, form.cleaned_data["code"])
        if step is not None:
            device, codes = totp_enrol(user=request.user, key=key, step=step)
            del request.session[PENDING_KEY]
            session_verified(request, device)
            # A session signed in with the password alone before now would never be asked for a code.
            sessions_end(
                session for session in sessions_of(request.user) if session.session_key != request.session.session_key
            )
            security_event(logging.INFO, "two-factor set up", request=request, username=request.user.get_username())
            return _codes_page(request, codes, _("Two-factor sign-in is on."))
        form.add_error("code", _("That is not the code the app shows now. Check the phone's clock and try again."))
    setup = TOTPDevice(user=request.user, key=key)
    context = {
        "form": form,
        "qr": qr_svg(setup.config_url, title=_("QR code for your authenticator app")),
        "secret": " ".join(_groups(b32encode(unhexlify(key)).decode(), 4)),
        "required": session_state(request) == ENROL,
    }
    return render(request, "registration/two_factor_enrol.html", context)


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, for a current code; the old ones stop working."""
    form = CodeForm(request.POST, prefix="renew")
    if not form.is_valid() or not _checked(request, form, "renew recovery codes"):
        return _refused(request, form)
    codes = recovery_codes_renew(user=request.user)
    security_event(logging.INFO, "recovery codes renewed", request=request, username=request.user.get_username())
    return _codes_page(request, codes, _("New recovery codes: the old ones no longer work."))


@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in off, for a current code (a recovery code will do, for a lost phone)."""
    form = CodeForm(request.POST, prefix="remove")
    if not form.is_valid() or not _checked(request, form, "remove two-factor sign-in"):
        return _refused(request, form)
    two_factor_remove(user=request.user)
    security_event(logging.WARNING, "two-factor removed", request=request, username=request.user.get_username())
    if session_unverified(request) == ENROL:
        messages.warning(request, _("Two-factor sign-in is off. Your role requires it: set it up again."))
    else:
        messages.success(request, _("Two-factor sign-in is off: you sign in with your password only."))
    return redirect("two_factor")


@require_http_methods(["GET", "POST"])
def code_page(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code of the app or a recovery code, then where the user was going."""
    target = _next(request)
    if session_state(request) != CODE:
        return HttpResponseRedirect(target)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        checked = _checked(request, form, "sign in")
        if checked:
            session_verified(request, checked.device)
            _say_codes_left(request, checked)
            return HttpResponseRedirect(target)
    return render(request, "registration/two_factor_code.html", {"form": form, "next": target})


def _checked(request: HttpRequest, form: CodeForm, purpose: str) -> Checked | None:
    """The code checked; when refused, the form says why and the security log says so (never the code)."""
    checked = code_check(user=request.user, code=form.cleaned_data["code"])
    if checked.device is not None:
        security_event(logging.INFO, f"two-factor code accepted to {purpose}", request=request,
                       username=request.user.get_username())  # fmt: skip
        return checked
    if checked.wait:
        security_event(logging.WARNING, f"two-factor code throttled to {purpose}", request=request,
                       username=request.user.get_username())  # fmt: skip
        form.add_error("code", ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then try again.",
            "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
            checked.wait,
        ) % {"seconds": checked.wait})  # fmt: skip
    else:
        security_event(logging.WARNING, f"two-factor code refused to {purpose}", request=request,
                       username=request.user.get_username())  # fmt: skip
        form.add_error("code", _("That code is not right, or it has been used already."))
    return None


def _refused(request: HttpRequest, form: CodeForm) -> HttpResponse:
    for error in form.errors.get("code", []):
        messages.error(request, error)
    return redirect("two_factor")


def _codes_page(request: HttpRequest, codes: list[str], said: str) -> HttpResponse:
    # Shown in the answer to the POST and kept nowhere else: a reload cannot show them again.
    return render(request, "registration/two_factor_codes.html", {"codes": codes, "said": said})


def _say_codes_left(request: HttpRequest, checked: Checked) -> None:
    if not checked.recovery:
        return
    left = recovery_codes_left(request.user)
    text = ngettext("You used a recovery code: %(left)d is left.", "You used a recovery code: %(left)d are left.", left)
    level = messages.WARNING if left < FEW_CODES_LEFT else messages.INFO
    messages.add_message(request, level, text % {"left": left})


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    # A URL, never a name for ``redirect`` to look up: what the visitor sent is only ever a path here.
    return target if safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _groups(text: str, size: int) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]
