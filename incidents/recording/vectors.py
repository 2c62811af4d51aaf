"""The stored meaning of open incidents: a vector computed after an incident's words are written, by a task, by the
sweep that catches lost tasks, and by a backfill; pruned a week after the incident leaves the open states
(decision 0056)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection, transaction

from incidents.words import OPEN_SQL
from knowledge.embeddings import DIMENSIONS, embed

BATCH = 64
# A vector is kept this long after its incident left the open states (a reopened incident needs no new one).
PRUNE_AFTER = datetime.timedelta(days=7)


def words_of(table: str) -> str:
    """What is embedded of an incident, in SQL, of its row under the name ``table``: the short description, ". ",
    the symptoms."""
    return f"{table}.short_description || '. ' || {table}.symptoms"


WORDS_SQL = words_of("i")

# Open incidents with no vector, one computed from words they no longer have, or one of another model (its length
# differs: decision 0061), ids above %(after)s, by id.
_STALE = f"""
SELECT i.id, {WORDS_SQL}, md5({WORDS_SQL}) FROM incidents_incident AS i
LEFT JOIN incidents_incidentmeaning AS m ON m.incident_id = i.id
WHERE i.state IN {OPEN_SQL} AND i.id > %(after)s AND (%(ids)s::bigint[] IS NULL OR i.id = ANY(%(ids)s::bigint[]))
    AND (m.incident_id IS NULL OR m.digest <> md5({WORDS_SQL}) OR cardinality(m.embedding) <> {DIMENSIONS})
ORDER BY i.id
LIMIT %(batch)s
"""  # noqa: S608 (only this module's constants are formatted in)
# Written only while the incident is open and its words are still those embedded: a save in between leaves the row
# stale for its own task, so a task run twice, or beside the backfill, does no harm.
_WRITE = f"""
INSERT INTO incidents_incidentmeaning (incident_id, embedding, digest, writer, changed_at)
SELECT i.id, %(embedding)s::real[], %(digest)s::text, 0, now() FROM incidents_incident AS i
WHERE i.id = %(id)s AND i.state IN {OPEN_SQL} AND md5({WORDS_SQL}) = %(digest)s::text
ON CONFLICT (incident_id) DO UPDATE SET embedding = EXCLUDED.embedding, digest = EXCLUDED.digest, changed_at = now()
"""  # noqa: S608 (only this module's constants are formatted in)
_PRUNE = f"""
DELETE FROM incidents_incidentmeaning AS m USING incidents_incident AS i
WHERE i.id = m.incident_id AND i.state NOT IN {OPEN_SQL} AND m.changed_at < %(before)s
"""  # noqa: S608 (only this module's constants are formatted in)


def incidents_embed(*, ids: Sequence[int] | None = None, limit: int | None = None, batch: int = BATCH) -> int:
    """Embed the open incidents whose vector is missing or stale (of ``ids`` only, when given; ``limit`` at most),
    ``batch`` at a time, each batch in its own transaction. Returns how many vectors were written. A text that
    several incidents share (a storm's calls) is embedded once a batch."""
    written, after = 0, 0
    while limit is None or written < limit:
        size = batch if limit is None else min(batch, limit - written)
        with connection.cursor() as cursor:
            cursor.execute(_STALE, {"after": after, "ids": list(ids) if ids is not None else None, "batch": size})
            rows = cursor.fetchall()
        if not rows:
            break
        texts = sorted({text for _, text, _ in rows})
        vectors = dict(zip(texts, embed(texts), strict=True))
        with transaction.atomic(), connection.cursor() as cursor:
            for pk, text, digest in rows:
                cursor.execute(_WRITE, {"id": pk, "embedding": vectors[text].tolist(), "digest": digest})
                written += cursor.rowcount
        after = rows[-1][0]
    return written


def incidents_prune_meaning(*, now: datetime.datetime) -> int:
    """Delete the vectors of incidents out of the open states for ``PRUNE_AFTER``; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(_PRUNE, {"before": now - PRUNE_AFTER})
        return cursor.rowcount
