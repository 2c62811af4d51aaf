from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from servicedesk import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon),
    path("cmdb/", include("cmdb.urls")),
    path("incidents/", include("incidents.urls")),
    path("queues/", include("incidents.queue_urls")),
    # The managers' dashboard lives with the incidents; /dashboard/ is the address people are given.
    path("dashboard/", RedirectView.as_view(pattern_name="incidents:dashboard", query_string=True)),
    path("knowledge/", include("knowledge.urls")),
    path("admin/", admin.site.urls),
]
