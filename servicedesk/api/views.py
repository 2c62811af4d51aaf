"""The base of every API view: no sign-in redirect (the API answers 401 itself), and writes audited as the
token's user, through that token, in the journal and in the history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.utils.translation import gettext as _
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from servicedesk.actor import acting_for
from servicedesk.models import ApiToken


class Api:
    """Mixed in first: ``ApiView`` and ``ApiViewSet`` below."""

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        # The portal's LoginRequiredMiddleware would send the anonymous to the sign-in page; the API says 401.
        return login_not_required(super().as_view(*args, **kwargs))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, ApiToken):
            acting_for(request.user, _("API token “%(name)s”") % {"name": request.auth.name})
        else:
            acting_for(request.user, _("the API"))

    # DRF counts a call only once it is allowed: a refused secret (401) or an anonymous call would never spend the
    # address's budget. Here every call counts before the permissions, and a refused secret as the anonymous.
    def perform_authentication(self, request: Request) -> None:
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)
            raise

    def check_permissions(self, request: Request) -> None:
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        if getattr(request, "_throttles_checked", False):  # DRF asks again after the permissions
            return
        request._throttles_checked = True
        super().check_throttles(request)


class ApiView(Api, APIView):
    pass


class ApiViewSet(Api, viewsets.GenericViewSet):
    pass
