"""Background work of reporting: summing the day figures added since the last time (beat, every five minutes)."""

from __future__ import annotations

from celery import shared_task

from incidents.reporting import figures


# The name the task was first published under: messages queued before an upgrade still run.
@shared_task(name="incidents.tasks.incidents_compact_figures")
def incidents_compact_figures() -> None:
    """Not retried: the figures are right without it, only read from more rows."""
    figures.compact()
