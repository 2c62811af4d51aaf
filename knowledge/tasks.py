"""Celery tasks of the knowledge base: a known error's vector after its words change (decision 0043)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction

from knowledge.vectors import known_errors_embed
from servicedesk.celery import DATABASE_RETRIES, publish_row


@shared_task(name="knowledge.tasks.known_error_embed", **DATABASE_RETRIES)
def known_error_embed(known_error_id: int) -> int:
    """Embed one known error if its vector is missing or stale; 0 when there was nothing to do."""
    return known_errors_embed(ids=[known_error_id])


def known_error_words_saved(*, known_error_id: int) -> None:
    """Queue the known error's new vector for after the commit, never on the page's request path. Call it from any
    write that may change the title or symptoms: the task does nothing when they did not change. A broker that
    cannot be reached is logged; ``manage.py embed_known_errors`` embeds what was missed."""
    transaction.on_commit(
        lambda: publish_row(
            known_error_embed,
            known_error_id,
            eagerly=settings.EMBED_EAGERLY,
            countdown=None,
            sweep="manage.py embed_known_errors",
        )
    )
