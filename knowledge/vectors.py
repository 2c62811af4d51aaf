"""The stored meaning of known errors: their vectors computed after their words change, and by a backfill.

A known error's vector is the embedding of its title and symptoms (``knowledge.embeddings``), stored with the
digest of the words it was computed from; a vector is stale when ``words_digest`` (a generated column) differs.
Saves publish ``knowledge.tasks.known_error_embed`` after the commit; ``manage.py embed_known_errors`` embeds
whatever is missing or stale (decision 0043).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db import transaction
from django.db.models import F, Func, IntegerField, Q, QuerySet

from knowledge.embeddings import DIMENSIONS, embed
from knowledge.models import KnownError

BATCH = 64


def known_error_text(*, title: str, symptoms: str) -> str:
    """What is embedded of a known error: as ``words_digest`` reads it (title, ". ", symptoms)."""
    return f"{title}. {symptoms}"


def stale_known_errors() -> QuerySet[KnownError]:
    """Known errors with no vector, one computed from words they no longer have, or one of another model (its
    length differs: decision 0061)."""
    return KnownError.objects.alias(
        dimensions=Func(F("embedding"), function="cardinality", output_field=IntegerField())
    ).filter(Q(embedding__isnull=True) | ~Q(embedded_digest=F("words_digest")) | ~Q(dimensions=DIMENSIONS))


def known_errors_embed(*, ids: Sequence[int] | None = None, everything: bool = False, batch: int = BATCH) -> int:
    """Embed the stale known errors (of ``ids`` only, when given; all of them with ``everything``), ``batch`` at a
    time, each batch in its own transaction. Returns how many vectors were written.

    A vector is written only if the words are still those it was computed from (a save in between leaves the row
    stale for its own task), so running it twice, or beside a task, does no harm.
    """
    rows = KnownError.objects.all() if everything else stale_known_errors()
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    written = 0
    for chunk in _chunks(rows.order_by("pk").values_list("pk", "title", "symptoms", "words_digest"), batch):
        vectors = embed([known_error_text(title=title, symptoms=symptoms) for _, title, symptoms, _ in chunk])
        with transaction.atomic():
            for (pk, _, _, digest), vector in zip(chunk, vectors, strict=True):
                written += KnownError.objects.filter(pk=pk, words_digest=digest).update(
                    embedding=vector.tolist(), embedded_digest=digest
                )
    return written


def _chunks(rows: QuerySet, size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=size * 4):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
