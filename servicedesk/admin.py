"""Django admin, for administrators (superusers) only: configuration, not daily work."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class AdministratorsOnlySite(admin.AdminSite):
    site_header = _("Service desk administration")
    site_title = _("Service desk administration")
    index_title = _("Configuration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_superuser
