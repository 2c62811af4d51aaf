"""Celery tasks of recording: an open incident's vector after its words are written (decision 0056), and what a
recorded call leaves for after its commit, in one message (decision 0062)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from incidents.mail.outbox import outbox_queue, outbox_send_due
from incidents.recording.vectors import incidents_embed, incidents_prune_meaning
from knowledge.tasks import embed_after_commit
from servicedesk.celery import DATABASE_RETRIES, publish, publish_row

logger = logging.getLogger(__name__)

# What one sweep embeds at most (about half a minute on one core): a bulk load or an upgrade is the backfill's job.
SWEEP_BATCH = 500
SWEEPS = "the outbox sweep and the stale vectors' sweep"


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


@shared_task(
    name="incidents.tasks.incident_recorded", bind=True, acks_late=True, max_retries=DATABASE_RETRIES["max_retries"]
)
def incident_recorded(self: Any, incident_id: int | None, message_ids: list[int]) -> None:
    """What a recorded call leaves for after its commit, in one message: its mail sent (``outbox_send``'s work)
    and the incident embedded (``incident_embed``'s). Each part runs whatever became of the other. A mail refused is
    retried by its row, as every mail is; when the database failed a part (away for a moment), the parts it failed
    are retried with ``DATABASE_RETRIES``' backoff, and those done are not done again. Any other error fails the
    task, its part left to the sweeps, which also do both parts of a message lost."""
    errors: list[Exception] = []
    mail_left = [m for m in message_ids if _failed(partial(outbox_send_due, m, eagerly=self.request.is_eager), errors)]
    embed_left = incident_id if incident_id is not None and _failed(partial(_embed, incident_id), errors) else None
    if not errors:
        return
    retried = [error for error in errors if isinstance(error, DATABASE_RETRIES["autoretry_for"])]
    first = (retried or errors)[0]
    for error in errors:
        if error is not first:
            logger.error("A part of recorded call's work failed too.", exc_info=error)
    if retried:
        countdown = get_exponential_backoff_interval(
            factor=1, retries=self.request.retries, maximum=DATABASE_RETRIES["retry_backoff_max"], full_jitter=True
        )
        raise self.retry(args=[embed_left, mail_left], exc=first, countdown=countdown)
    raise first


def incident_recorded_after_commit(*, incident_id: int, message_ids: Sequence[int]) -> None:
    """Queue ``incident_recorded`` for after the commit: one message to the broker where a mail and an embedding
    were two. In process as ``OUTBOX_SEND_EAGERLY`` and ``EMBED_EAGERLY`` say: when only one of them says so, each
    part is queued as its own task, as its setting says."""
    transaction.on_commit(partial(_publish_recorded, incident_id, list(message_ids)))


def _publish_recorded(incident_id: int, message_ids: list[int]) -> None:
    if settings.OUTBOX_SEND_EAGERLY == settings.EMBED_EAGERLY:
        publish(incident_recorded, [incident_id, message_ids], eagerly=settings.EMBED_EAGERLY, countdown=None,
                sweep=SWEEPS)  # fmt: skip
        return
    for message_id in message_ids:
        outbox_queue(message_id)
    publish_row(incident_embed, incident_id, eagerly=settings.EMBED_EAGERLY, countdown=None, sweep=SWEEPS)


def _embed(incident_id: int) -> None:
    incidents_embed(ids=[incident_id])


def _failed(part: Callable[[], object], errors: list[Exception]) -> bool:
    """Run one part; whether it failed (its error added to ``errors``)."""
    try:
        part()
    except Exception as error:
        errors.append(error)
        return True
    return False
