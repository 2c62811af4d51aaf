"""Celery tasks of recording: an open incident's vector after its words are written (decision 0056)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from incidents.recording.vectors import incidents_embed, incidents_prune_meaning
from knowledge.tasks import embed_after_commit
from servicedesk.celery import DATABASE_RETRIES

# What one sweep embeds at most (about 10 s on one core): a bulk load or an upgrade is the backfill command's job.
SWEEP_BATCH = 500


@shared_task(name="incidents.tasks.incident_embed", **DATABASE_RETRIES)
def incident_embed(incident_id: int) -> int:
    """Embed one open incident if its vector is missing or stale; 0 when there was nothing to do."""
    return incidents_embed(ids=[incident_id])


@shared_task(name="incidents.tasks.incidents_embed_stale")
def incidents_embed_stale() -> int:
    """Embed the open incidents whose vector is missing or stale, ``SWEEP_BATCH`` at most (the tasks lost to a
    broker out of reach or a killed worker, an incident reopened after its vector was pruned), and prune the
    vectors of incidents closed a week ago."""
    incidents_prune_meaning(now=timezone.now())
    return incidents_embed(limit=SWEEP_BATCH)


def incident_words_written(*, incident_id: int) -> None:
    """Queue the incident's vector for after the commit, never on the page's request path. Call it from any write
    that may change the short description or symptoms: the task does nothing when they did not change. A broker
    that cannot be reached is logged; ``incidents_embed_stale`` (every 15 minutes) embeds what was missed."""
    embed_after_commit(incident_embed, incident_id)
