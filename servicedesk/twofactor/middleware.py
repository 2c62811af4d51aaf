"""The gate: a signed-in session that owes its code goes to the code page, and one whose role requires a second
factor it has not set up goes to the set-up page, whatever it asks for; signing out stays open."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

from servicedesk.twofactor.state import CODE, ENROL, session_state

# What each state leaves open, by URL name.
OPEN = {CODE: {"two_factor_code", "logout"}, ENROL: {"two_factor", "logout"}}


class TwoFactorGate:
    """After django-otp's ``OTPMiddleware`` (which tells a verified session) and django-htmx's middleware.

    It reads the session only (``servicedesk.twofactor.state``), so a page costs no query for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            state = session_state(request)
            if state in OPEN and _url_name(request) not in OPEN[state]:
                return _sent_on(request, state)
        return self.get_response(request)


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _sent_on(request: HttpRequest, state: str) -> HttpResponse:
    url = reverse("two_factor_code" if state == CODE else "two_factor")
    if state == CODE and request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    # An htmx request would swap the page into a fragment: the browser goes there instead.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)
