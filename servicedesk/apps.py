from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    default = True
    name = "servicedesk"
    verbose_name = _("Service desk platform")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from servicedesk import health, roles, sessions
        from servicedesk.signin import log
        from servicedesk.sso.checks import check_role_map
        from servicedesk.twofactor import policy, state

        user_logged_in.connect(sessions.session_signed_in, dispatch_uid="servicedesk.session_signed_in")
        user_logged_in.connect(state.session_signed_in, dispatch_uid="servicedesk.two_factor_signed_in")
        checks.register(policy.check_required_roles)
        user_logged_out.connect(sessions.session_signed_out, dispatch_uid="servicedesk.session_signed_out")

        # Permissions of newly migrated models exist only once post_migrate has run, so the roles
        # receive their permissions there rather than in a data migration.
        post_migrate.connect(roles.grant_role_permissions, dispatch_uid="servicedesk.grant_role_permissions")
        log.connect()
        checks.register(check_role_map)
        checks.register(health.check_optional_names)


class AdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "servicedesk.admin_site.AdministratorsOnlySite"
