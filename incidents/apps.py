from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")
    # Called by servicedesk.demo.load_demo after the accounts, in INSTALLED_APPS order.
    demo_loader = "incidents.demo.load_incidents_demo"
    # Read at each scrape of /metrics by servicedesk.metrics.exposition: the outbox, the sweep, the backlog, mail in.
    metrics_collector = "incidents.metrics.IncidentFigures"
    # Added to /health/ready by servicedesk.health: the outbox's backlog.
    health_checks = ("incidents.mail.health.OUTBOX",)

    def ready(self) -> None:
        # Models and what uses them are importable once the app registry is ready, here and not above.
        from incidents.reporting.figures import follow_time_zone_after_migrate

        post_migrate.connect(follow_time_zone_after_migrate, sender=self, dispatch_uid="incidents_figures_zone")
