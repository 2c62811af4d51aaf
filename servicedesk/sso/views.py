"""The two addresses of the authorization code flow: off (404) unless OpenID Connect is configured."""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc import views

from servicedesk.signin.log import security_event
from servicedesk.sso.provider import oidc_enabled, provider_setting


class Start(views.OIDCAuthenticationRequestView):
    """Redirects to the provider with state, nonce and a PKCE challenge (S256) kept in the session."""

    get_settings = staticmethod(provider_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the endpoint here; we read it in get(), where an unreachable provider can be answered.
        View.__init__(self, **kwargs)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException:
            security_event(logging.WARNING, "sso sign-in refused", request=request, username="",
                           detail="provider unreachable")  # fmt: skip
            messages.error(request, _("%(provider)s cannot be reached. Try again later.")
                           % {"provider": settings.OIDC_PROVIDER_NAME})  # fmt: skip
            return redirect("login")
        return super().get(request)


class Callback(views.OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back with the code; a refusal goes back to the sign-in page."""

    get_settings = staticmethod(provider_setting)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def failure_url(self) -> str:
        return reverse("login")

    def login_success(self) -> HttpResponse:
        # The session resolves its user through the password sign-in's backend (settings.SSO_SESSION_BACKEND), which
        # loads the bell's counts with the user in one query; the OIDC backend is only for the callback.
        self.user.backend = settings.SSO_SESSION_BACKEND
        return super().login_success()

    def login_failure(self) -> HttpResponse:
        if not getattr(self.request, "sso_refused", False):
            # The provider answered with an error (the person cancelled, or it refused them) or the session is gone.
            error = self.request.GET.get("error", "no sign-in state in the session")[:100]
            security_event(logging.WARNING, "sso sign-in refused", request=self.request, username="", detail=error)
            messages.error(self.request, _("The sign-in with %(provider)s did not complete. Try again.")
                           % {"provider": settings.OIDC_PROVIDER_NAME})  # fmt: skip
        return super().login_failure()
