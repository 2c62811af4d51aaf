from django.contrib.auth.decorators import login_not_required
from django.urls import path

from servicedesk.sso import views

urlpatterns = [
    path("start/", login_not_required(views.Start.as_view()), name="oidc_authentication_init"),
    path("callback/", login_not_required(views.Callback.as_view()), name="oidc_authentication_callback"),
]
