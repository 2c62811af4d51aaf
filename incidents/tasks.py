"""Background work of incidents: closing resolved incidents that no caller rejected, and the service-level sweep.

Tasks take ids, load through the lifecycle's services and own their retry policy. Celery beat runs
``incidents_close_due`` every 15 minutes and ``incidents_sla_sweep`` every minute (``CELERY_BEAT_SCHEDULE``).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

# The services are imported where they are used: ``incidents.outbox`` takes its retry policy from here,
# and the services import the outbox.

logger = logging.getLogger(__name__)

# A database that is briefly away (a restart, a failover) is waited for; anything else is a bug to see.
DATABASE_RETRIES = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**DATABASE_RETRIES)
def incident_close_automatically(incident_id: int) -> bool:
    """Close one resolved incident if it is still due; ``False`` when there was nothing to do.

    Idempotent: the service locks the incident and checks again that it is due, so a second run (a
    redelivery, an overlapping sweep) finds it closed and does nothing.
    """
    from incidents.lifecycle import steps

    return steps.incident_close_automatically(incident_id=incident_id) is not None


@shared_task
def incidents_close_due() -> int:
    """The sweep: close every incident due for automatic closure, each in a transaction of its own.

    Returns how many were closed. One incident that cannot be closed is logged and skipped: it stays
    resolved, and the next sweep tries again. The sweep is not retried: the next one does its work.
    """
    from incidents.lifecycle import steps

    closed = 0
    for incident_id in steps.incidents_due_for_automatic_closure():
        try:
            if steps.incident_close_automatically(incident_id=incident_id) is not None:
                closed += 1
        except Exception:
            logger.exception("Incident %s could not be closed automatically; the next sweep tries again.", incident_id)
    if closed:
        logger.info("Closed %s resolved incidents automatically.", closed)
    return closed


@shared_task
def incidents_sla_sweep() -> int:
    """The service-level sweep (``incidents.servicelevels.clock.sla_sweep``), every minute from beat.

    Not retried: the next tick does the work. Idempotent: stages advance under row locks and each is
    written to the outbox once per due time.
    """
    from incidents.servicelevels import clock

    return clock.sla_sweep()


@shared_task
def incidents_compact_figures() -> None:
    """Sums the dashboard's day figures added since the last time (``incidents.reporting.figures.compact``), every five
    minutes from beat. Not retried: the figures are right without it, only read from more rows."""
    from incidents.reporting import figures

    figures.compact()


@shared_task(**DATABASE_RETRIES)
def incidents_recompute_for_calendar(calendar_id: int) -> int:
    """A business calendar changed (admin): compute the due times of its open incidents again."""
    from incidents.servicelevels import clock

    return clock.incidents_recompute_for_calendar(calendar_id=calendar_id)
