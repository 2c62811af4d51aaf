"""The desk's figures for ``/metrics``, read from the database at each scrape: the outbox, the service-level
sweep's due incidents, open incidents by priority and the inbound mail waiting (decision record 0030).

Four statements, each answered from a partial or leading-column index: none reads every incident, however many
there are. Named on ``IncidentsConfig.metrics_collector``; the platform (``servicedesk.metrics``) calls it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from incidents.choices import OPEN_STATES, Priority
from incidents.models import Incident, OutboxMessage, OutboxState
from incidents.models.inbound import InboundMail, InboundState
from incidents.servicelevels.sweep import due_incidents

logger = logging.getLogger(__name__)

# A mail in the intake inbox waits for the desk; a refused one for an administrator.
INBOUND_WAITING = (InboundState.INTAKE, InboundState.REFUSED)


class IncidentFigures:
    """A prometheus-client collector: one family per figure, every label present (zero when nothing)."""

    def collect(self) -> Iterator[Metric]:
        try:
            families = [*outbox_figures(), sla_due_figure(), open_incidents_figure(), inbound_figure()]
        except DatabaseError:
            logger.warning("The desk's figures could not be read for /metrics.", exc_info=True)
            families = []
        up = GaugeMetricFamily("servicedesk_figures_up", "1 when the desk's figures were read from the database.")
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families


def outbox_figures() -> list[Metric]:
    """Mail pending and failed, and how long the oldest pending mail has waited."""
    waiting = OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.FAILED]).aggregate(
        pending=Count("pk", filter=Q(state=OutboxState.PENDING)),
        failed=Count("pk", filter=Q(state=OutboxState.FAILED)),
        oldest=Min("created_at", filter=Q(state=OutboxState.PENDING)),
    )
    messages = GaugeMetricFamily(
        "servicedesk_outbox_messages",
        "Outbox mail not sent: pending (to be sent or retried) or failed.",
        labels=["state"],
    )
    messages.add_metric(["pending"], waiting["pending"])
    messages.add_metric(["failed"], waiting["failed"])
    age = (timezone.now() - waiting["oldest"]).total_seconds() if waiting["oldest"] else 0
    oldest = GaugeMetricFamily(
        "servicedesk_outbox_oldest_pending_seconds", "Seconds the oldest pending outbox mail has waited (0: none)."
    )
    oldest.add_metric([], max(age, 0))
    return [messages, oldest]


def sla_due_figure() -> Metric:
    """Open incidents whose service-level check is due now: what the next sweep will look at."""
    due = GaugeMetricFamily(
        "servicedesk_sla_due_incidents", "Open incidents whose service-level check is due (the sweep's next work)."
    )
    due.add_metric([], due_incidents(timezone.now()).count())
    return due


def counts_by(rows: QuerySet, field: str) -> dict[object, int]:
    """How many ``rows`` have each value of ``field``, in one grouped statement."""
    return dict(rows.values(field).annotate(count=Count("*")).order_by().values_list(field, "count"))


def open_incidents_figure() -> Metric:
    counts = counts_by(Incident.objects.filter(state__in=OPEN_STATES), "priority")
    family = GaugeMetricFamily("servicedesk_open_incidents", "Open incidents by priority.", labels=["priority"])
    for priority in Priority:
        family.add_metric([f"P{priority.value}"], counts.get(priority.value, 0))
    return family


def inbound_figure() -> Metric:
    """Mail in that waits for someone: in the desk's intake inbox, or refused and kept for an administrator."""
    counts = counts_by(InboundMail.objects.filter(state__in=INBOUND_WAITING), "state")
    family = GaugeMetricFamily(
        "servicedesk_inbound_mail_waiting",
        "Inbound mail waiting: in the intake inbox for the desk, or refused for an administrator.",
        labels=["state"],
    )
    for state in INBOUND_WAITING:
        family.add_metric([state.value], counts.get(state.value, 0))
    return family
