"""Background work of the lifecycle: closing resolved incidents that no caller rejected (beat, every 15 min)."""

from __future__ import annotations

import logging

from celery import shared_task

from incidents.lifecycle import closure
from servicedesk.celery import DATABASE_RETRIES

logger = logging.getLogger(__name__)


# Task names are those the tasks were first published under: messages queued before an upgrade still run.
@shared_task(name="incidents.tasks.incident_close_automatically", **DATABASE_RETRIES)
def incident_close_automatically(incident_id: int) -> bool:
    """Close one resolved incident if it is still due; ``False`` when there was nothing to do.

    Idempotent: the service locks the incident and checks again that it is due, so a second run (a
    redelivery, an overlapping sweep) finds it closed and does nothing.
    """
    return closure.incident_close_automatically(incident_id=incident_id) is not None


@shared_task(name="incidents.tasks.incidents_close_due")
def incidents_close_due() -> int:
    """The sweep: close every incident due for automatic closure, each in a transaction of its own.

    Returns how many were closed. One incident that cannot be closed is logged and skipped: it stays
    resolved, and the next sweep tries again. The sweep is not retried: the next one does its work.
    """
    closed = 0
    for incident_id in closure.incidents_due_for_automatic_closure():
        try:
            if closure.incident_close_automatically(incident_id=incident_id) is not None:
                closed += 1
        except Exception:
            logger.exception("Incident %s could not be closed automatically; the next sweep tries again.", incident_id)
    if closed:
        logger.info("Closed %s resolved incidents automatically.", closed)
    return closed
