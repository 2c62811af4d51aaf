"""The user's page of personal API tokens (``/accounts/api-tokens/``): their tokens, a new one's secret shown once
on the response that made it, and revoking one. A user reaches only their own tokens."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from servicedesk.api.tokens import token_create, token_revoke, tokens_of
from servicedesk.forms import ApiTokenForm, add_errors
from servicedesk.models import ApiToken
from servicedesk.signin.log import security_event


@never_cache  # the response with a new secret must not be shown again from any cache, the browser's included
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens and the form for a new one; a POST makes it and shows its secret on this response only."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    made = secret = None
    if form.is_valid():
        try:
            made, secret = token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            _logged(request, "API token made", made)
            form = ApiTokenForm()
    context = {
        "tokens": tokens_of(request.user),
        "form": form,
        "made": made,
        "secret": secret,
        "example_url": settings.SITE_URL + reverse("api:incident-list"),
    }
    return render(request, "registration/api_tokens.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first; the POST revokes the token for good. Another user's token is not found."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "GET":
        return render(request, "registration/api_token_revoke.html", {"token": token})
    if token.live:  # revoked already (a second tab), or expired: nothing more to do
        token = token_revoke(user=request.user, token_id=token.pk)
        _logged(request, "API token revoked", token)
        said = _("“%(name)s” is revoked: a program using it is refused from now on.") % {"name": token.name}
        messages.success(request, said)
    return redirect("api_tokens")


def _logged(request: HttpRequest, event: str, token: ApiToken) -> None:
    security_event(
        logging.INFO, event, request=request, username=request.user.get_username(), detail=str(token)
    )  # the name and the secret's first characters, which the page shows too; never the secret
