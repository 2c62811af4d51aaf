"""Celery tasks of the knowledge base: a known error's vector after its words change (decision 0043)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from knowledge.vectors import known_errors_embed, stale_known_errors
from servicedesk.celery import DATABASE_RETRIES, publish_row


@shared_task(name="knowledge.tasks.known_error_embed", **DATABASE_RETRIES)
def known_error_embed(known_error_id: int) -> int:
    """Embed one known error if its vector is missing or stale; 0 when there was nothing to do."""
    return known_errors_embed(ids=[known_error_id])


# What one sweep embeds at most (about half a minute on one core): a bulk load or an upgrade is the backfill's job.
SWEEP_BATCH = 500


@shared_task(name="knowledge.tasks.known_errors_embed_stale")
def known_errors_embed_stale() -> int:
    """Embed the known errors whose vector is missing or stale, ``SWEEP_BATCH`` at most: the saves whose task was
    lost (a broker out of reach at the commit, a worker killed) get their vector within the beat's interval."""
    stale = list(stale_known_errors().order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    return known_errors_embed(ids=stale) if stale else 0


def known_error_words_saved(*, known_error_id: int) -> None:
    """Queue the known error's new vector for after the commit, never on the page's request path. Call it from any
    write that may change the title or symptoms: the task does nothing when they did not change. A broker that
    cannot be reached is logged; ``known_errors_embed_stale`` (every 15 minutes) embeds what was missed."""
    embed_after_commit(known_error_embed, known_error_id)


def embed_after_commit(task: Any, row_id: int) -> None:
    """Publish an embedding ``task`` for one row after the commit (run in the process with ``EMBED_EAGERLY``); its
    stale vectors' sweep embeds the row if the broker cannot be reached."""
    transaction.on_commit(
        lambda: publish_row(
            task, row_id, eagerly=settings.EMBED_EAGERLY, countdown=None, sweep="the stale vectors' sweep"
        )
    )
