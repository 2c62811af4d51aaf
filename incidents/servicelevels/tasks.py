"""Background work of the service levels: the sweep (beat, every minute) and recomputing a calendar's incidents."""

from __future__ import annotations

from celery import shared_task
from prometheus_client import Histogram

from incidents.servicelevels import sweep
from servicedesk.celery import DATABASE_RETRIES

# Observed here, in the worker that ran the sweep; scraped as the worker's own (decision record 0030).
SWEEP_SECONDS = Histogram(
    "servicedesk_sla_sweep_duration_seconds",
    "Time one service-level sweep took.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


# Task names are those the tasks were first published under: messages queued before an upgrade still run.
@shared_task(name="incidents.tasks.incidents_sla_sweep")
def incidents_sla_sweep() -> int:
    """The service-level sweep, every minute from beat.

    Not retried: the next tick does the work. Idempotent: stages advance under row locks and each is
    written to the outbox once per due time.
    """
    with SWEEP_SECONDS.time():
        return sweep.sla_sweep()


@shared_task(name="incidents.tasks.incidents_recompute_for_calendar", **DATABASE_RETRIES)
def incidents_recompute_for_calendar(calendar_id: int) -> int:
    """A business calendar changed (admin): compute the due times of its open incidents again."""
    return sweep.incidents_recompute_for_calendar(calendar_id=calendar_id)
