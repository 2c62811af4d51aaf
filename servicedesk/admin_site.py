"""The admin site: administrators (superusers) only. A module of its own: Django builds the site from it while the
first app registers a model, so a registration in the site's own module would go to a site built too early."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from servicedesk.twofactor.state import second_step_done


class AdministratorsOnlySite(admin.AdminSite):
    """Superusers only, with their second factor given when they have one or their role requires it (0023)."""

    site_header = _("Service desk administration")
    site_title = _("Service desk administration")
    index_title = _("Configuration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_superuser and second_step_done(request)
