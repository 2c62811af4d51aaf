from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from servicedesk import views
from servicedesk.api import pages as api_pages
from servicedesk.metrics import views as metrics_views
from servicedesk.twofactor import views as two_factor

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/sessions/", views.sessions_page, name="sessions"),
    path("accounts/preferences/", views.preferences_page, name="preferences"),
    path("accounts/api-tokens/", api_pages.api_tokens, name="api_tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", api_pages.api_token_revoke, name="api_token_revoke"),
    path("accounts/two-factor/", two_factor.two_factor, name="two_factor"),
    path("accounts/two-factor/code/", two_factor.code_page, name="two_factor_code"),
    path("accounts/two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery_codes"),
    path("accounts/two-factor/remove/", two_factor.remove, name="two_factor_remove"),
    # Single sign-on (servicedesk.sso): 404 unless OIDC_ISSUER and OIDC_CLIENT_ID are set.
    path("accounts/oidc/", include("servicedesk.sso.urls")),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("health/", views.health, name="health"),
    # For load balancers and orchestrators: no trailing slash, so that no probe is redirected (decision 0032).
    path("health/live", views.health_live, name="health_live"),
    path("health/ready", views.health_ready, name="health_ready"),
    # Prometheus's default path, without a slash (servicedesk.metrics): 404 unless METRICS_TOKEN is set.
    path("metrics", metrics_views.metrics, name="metrics"),
    path("favicon.ico", views.favicon),
    path("cmdb/", include("cmdb.urls")),
    path("incidents/", include("incidents.urls")),
    path("queues/", include("incidents.queue_urls")),
    path("search/", include("incidents.search_urls")),
    # The managers' dashboard lives with the incidents; /dashboard/ is the address people are given.
    path("dashboard/", RedirectView.as_view(pattern_name="incidents:dashboard", query_string=True)),
    path("knowledge/", include("knowledge.urls")),
    path("api/", include("incidents.api.urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ Django's own refusals are problem details too; elsewhere they are Django's pages.
handler400 = "servicedesk.api.errors.bad_request"
handler403 = "servicedesk.api.errors.permission_denied"
handler404 = "servicedesk.api.errors.page_not_found"
handler500 = "servicedesk.api.errors.server_error"
