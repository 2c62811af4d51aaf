"""The stored meaning of known errors: their vectors computed after their words change, and by a backfill.

A known error's meaning is the embedding of its title and symptoms together, then of each sentence of its symptoms
(``known_error_views``, ``knowledge.embeddings``), stored as one row each of a two-dimensional array with the digest
of the words they were computed from; they are stale when ``words_digest`` (a generated column) differs.
Saves publish ``knowledge.tasks.known_error_embed`` after the commit; ``manage.py embed_known_errors`` embeds
whatever is missing or stale (decision 0043).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np
from django.db import transaction
from django.db.models import F, Func, IntegerField, Q, QuerySet, Value

from knowledge.embeddings import DIMENSIONS, embed
from knowledge.models import KnownError

BATCH = 64
# A caller usually says one of the things a known error's symptoms say, in other words: the sentence's meaning is
# nearer to theirs than the whole text's, which the rest dilutes (decision 0066). The sentences of at least
# MIN_SENTENCE_WORDS words are embedded, the first MAX_SENTENCES of them.
MAX_SENTENCES = 6
MIN_SENTENCE_WORDS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def known_error_text(*, title: str, symptoms: str) -> str:
    """What is embedded of a known error: as ``words_digest`` reads it (title, ". ", symptoms)."""
    return f"{title}. {symptoms}"


def known_error_views(*, title: str, symptoms: str) -> list[str]:
    """The texts a known error's meaning is made of: its title and symptoms together, then each sentence of its
    symptoms."""
    sentences = [part.strip() for part in _SENTENCE_END.split(symptoms) if len(part.split()) >= MIN_SENTENCE_WORDS]
    return [known_error_text(title=title, symptoms=symptoms), *sentences[:MAX_SENTENCES]]


def stale_known_errors() -> QuerySet[KnownError]:
    """Known errors with no vectors, vectors computed from words they no longer have, or of another model (their
    length differs: decision 0061) or the earlier single vector (decision 0066)."""
    return KnownError.objects.alias(
        dimensions=Func(F("embedding"), function="array_ndims", output_field=IntegerField()),
        length=Func(F("embedding"), Value(2), function="array_length", output_field=IntegerField()),
    ).filter(
        Q(embedding__isnull=True) | ~Q(embedded_digest=F("words_digest")) | ~Q(dimensions=2) | ~Q(length=DIMENSIONS)
    )


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
        views = [known_error_views(title=title, symptoms=symptoms) for _, title, symptoms, _ in chunk]
        vectors = embed([text for texts in views for text in texts])
        ends = np.cumsum([len(texts) for texts in views])
        with transaction.atomic():
            for (pk, _, _, digest), these in zip(chunk, np.split(vectors, ends[:-1]), strict=True):
                written += KnownError.objects.filter(pk=pk, words_digest=digest).update(
                    embedding=these.tolist(), embedded_digest=digest
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
