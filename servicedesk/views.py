"""Pages of the platform itself: the start page, signing in and out, the health checks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.messages.views import SuccessMessageMixin
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from servicedesk import health as checks
from servicedesk.forms import PreferencesForm, SignInForm
from servicedesk.preferences import preferences_of, preferences_save
from servicedesk.roles import ROLE_LABELS, user_roles
from servicedesk.sessions import sessions_end, sessions_of
from servicedesk.signin.options import sign_in_options


def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(user_roles(request.user))
    return render(
        request,
        "servicedesk/home.html",
        {"role_labels": [ROLE_LABELS[role] for role in roles], "has_role": bool(roles)},
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **sign_in_options(self.request)}


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """ "Forgot your password?": a link by mail, through the form ``PASSWORD_RESET_FORM`` names (the outbox's)."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:
        # The portal's own address, never the Host header of whoever asked.
        return {"site_url": settings.SITE_URL, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}

    def get_form_class(self) -> type:
        return import_string(settings.PASSWORD_RESET_FORM)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been set: sign in with it."))
        return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")
    success_message = _("Your password has been changed.")


@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own preferences (theme, list density, journal order, language, time zone): nobody else's
    can be reached from here. A new language speaks from the page the save redirects to."""
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            preferences_save(by=request.user, **form.cleaned_data)
            if form.cleaned_data["language"]:  # said in the language just chosen, as the next page will be
                translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your preferences are saved."))
            return redirect("preferences")
    else:
        chosen = preferences_of(request.user)
        form = PreferencesForm(initial=asdict(chosen))
    return render(request, "registration/preferences.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sessions_page(request: HttpRequest) -> HttpResponse:
    """Where the user is signed in; a POST ends one session (``end`` its id), the others, or all of them."""
    mine = sessions_of(request.user)
    current = request.session.session_key
    if request.method == "POST":
        choice = request.POST.get("end", "")
        if choice == "others":
            chosen = [session for session in mine if session.session_key != current]
        elif choice == "all":
            chosen = mine
        else:
            chosen = [session for session in mine if str(session.pk) == choice]
            if not chosen:
                messages.error(request, gettext("That session has ended already."))
                return redirect("sessions")
        ended = sessions_end(chosen)
        if any(session.session_key == current for session in chosen):
            logout(request)
            everywhere = choice == "all"
            messages.success(
                request,
                gettext("You have signed out everywhere.") if everywhere else gettext("You have signed out."),
            )
            return redirect("login")
        messages.success(
            request, ngettext("%(count)d session was signed out.", "%(count)d sessions were signed out.", ended)
            % {"count": ended},
        )  # fmt: skip
        return redirect("sessions")
    context = {"sessions": mine, "current": current, "idle_minutes": settings.SESSION_IDLE_MINUTES}
    return render(request, "registration/sessions.html", context)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; resolved per request (the static manifest
    does not exist before collectstatic)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and ``serve``: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def health_live(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing read, nothing asked of another server (a restart is what would help)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def health_ready(request: HttpRequest) -> JsonResponse:
    """Whether this node should get traffic: 503 when a required component fails, 200 when only an optional one
    does (``degraded``). Each component with its status, a short message and its duration."""
    results = checks.run_checks()
    status = checks.overall(results)
    body = {"status": status, "checks": {result.name: result.as_json() for result in results}}
    return JsonResponse(body, status=503 if status == "failing" else 200)
