"""The open incidents nearest in meaning to a caller's words (their typos corrected first, ``knowledge.spelling``):
their vectors held in each process and brought up to date, on each use, from the rows written since it last looked
(decision 0056). Their short descriptions' words join the desk's words the spelling knows."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import BinaryField, QuerySet
from django.db.models.expressions import RawSQL

from incidents.models import Incident
from incidents.recording.vectors import words_of
from incidents.words import OPEN_SQL
from knowledge.embeddings import DIMENSIONS, embed_text, vector_from_binary
from knowledge.spelling import corrected, learn

# A process that has not looked for this long reads every vector again: a vector pruned (a week after its
# incident left the open states) before the process saw its incident leave would otherwise stay.
RELOAD_AFTER = 24 * 60 * 60.0

# The oldest transaction this statement cannot see yet (every older one has ended and is seen), and the rows:
# every open incident's (``{rows}`` = _EVERY), or those written since ``seen`` (_SINCE: a vector, or its incident
# moved in or out of the open states, read through the index on the writer), with the vector and the words only
# while the incident is open.
_READ = f"""
SELECT h.horizon, r.incident_id, r.vector, r.words
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) AS h
LEFT JOIN LATERAL (
    SELECT m.incident_id,
        CASE WHEN i.state IN {OPEN_SQL} AND cardinality(m.embedding) = {DIMENSIONS} THEN array_send(m.embedding) END
            AS vector,
        CASE WHEN i.state IN {OPEN_SQL} THEN i.short_description END AS words
    FROM incidents_incidentmeaning AS m
    -- Each row's incident by its key (LIMIT keeps PostgreSQL from turning it into a join that reads every
    -- incident): the rows written since are few, whatever the statistics guess.
    CROSS JOIN LATERAL (
        SELECT x.state, x.short_description FROM incidents_incident AS x WHERE x.id = m.incident_id LIMIT 1
    ) AS i
    WHERE {{rows}}
) AS r ON true
"""  # noqa: S608 (only this module's constants are formatted in)
# The incident's stored vector if it is of its words as they are now, as a column of a statement that reads the
# incident under its table's name (the ORM's: ``with_stored_vector``).
_STORED_COLUMN = f"""(
    SELECT array_send(m.embedding) FROM incidents_incidentmeaning AS m
    WHERE m.incident_id = incidents_incident.id AND m.digest = md5({words_of("incidents_incident")})
        AND cardinality(m.embedding) = {DIMENSIONS}
)"""  # noqa: S608 (only this module's constants are formatted in)
_STORED = f"SELECT {_STORED_COLUMN} FROM incidents_incident WHERE incidents_incident.id = %(id)s"  # noqa: S608
_EVERY = _READ.format(rows=f"i.state IN {OPEN_SQL}")
_SINCE = _READ.format(rows="m.writer >= %(seen)s")


@dataclass(frozen=True, slots=True)
class Near:
    """An open incident near in meaning, with its cosine."""

    incident_id: int
    cosine: float


@dataclass(frozen=True, slots=True)
class Meaning:
    """The open incidents nearest in meaning to a text, and the text's vector (``None`` when no open incident has
    one), for the cosine of others the caller, service or CI bring."""

    near: list[Near]
    vector: np.ndarray | None


class OpenVectors:
    """The open incidents' vectors as one float32 matrix: a row a slot, a freed slot taken by the next vector."""

    def __init__(self, capacity: int = 256) -> None:
        self.ids = np.full(capacity, -1, dtype=np.int64)
        self.matrix = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        self.slots: dict[int, int] = {}
        self.free: list[int] = []
        self.used = 0  # slots ever used: [0, used) holds every vector
        self.seen = 0  # the horizon of the last read
        self.read_at = time.monotonic()

    def __len__(self) -> int:
        return len(self.slots)

    def put(self, incident_id: int, vector: np.ndarray) -> None:
        slot = self.slots.get(incident_id)
        if slot is None:
            slot = self.free.pop() if self.free else self._next_slot()
            self.slots[incident_id] = slot
            self.ids[slot] = incident_id
        self.matrix[slot] = vector

    def drop(self, incident_id: int) -> None:
        slot = self.slots.pop(incident_id, None)
        if slot is not None:
            self.ids[slot] = -1
            self.matrix[slot] = 0.0
            self.free.append(slot)

    def nearest(self, vector: np.ndarray, *, count: int, floor: float) -> list[Near]:
        """The ``count`` incidents nearest ``vector`` whose cosine reaches ``floor``, best first."""
        if not self.slots:
            return []
        cosines = self.matrix[: self.used] @ vector
        cosines[self.ids[: self.used] < 0] = -1.0
        best = np.argpartition(-cosines, count)[:count] if count < self.used else np.arange(self.used)
        best = best[np.argsort(-cosines[best], kind="stable")]
        return [Near(int(self.ids[i]), float(cosines[i])) for i in best if cosines[i] >= floor]

    def _next_slot(self) -> int:
        if self.used == len(self.ids):
            grown = max(256, 2 * len(self.ids))
            self.ids = np.concatenate([self.ids, np.full(grown - len(self.ids), -1, dtype=np.int64)])
            self.matrix = np.concatenate([self.matrix, np.zeros((grown - len(self.matrix), DIMENSIONS), np.float32)])
        self.used += 1
        return self.used - 1


_vectors: OpenVectors | None = None
_lock = threading.Lock()


def nearest_open(text: str, *, count: int, floor: float) -> Meaning:
    """The ``count`` open incidents nearest in meaning to ``text`` (cosine ``floor`` at least), best first. One
    statement: the vectors written since this process last looked (all of them the first time)."""
    global _vectors
    with _lock:
        vectors = _vectors
        if vectors is None or time.monotonic() - vectors.read_at > RELOAD_AFTER:
            vectors = OpenVectors()
            _read(vectors, everything=True)
            _vectors = vectors
        else:
            _read(vectors, everything=False)
        if not len(vectors) or not text.strip():
            return Meaning([], None)
        vector = embed_text(corrected(text).text)
        return Meaning(vectors.nearest(vector, count=count, floor=floor), vector)


def with_stored_vector(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """``incidents`` with each one's stored vector read in their own statement, for ``stored_vector``."""
    column = RawSQL(_STORED_COLUMN, (), output_field=BinaryField())  # noqa: S611 (this module's constants only)
    return incidents.annotate(stored_vector_data=column)


def stored_vector(incident: Incident) -> np.ndarray | None:
    """The incident's stored vector, if it is of its words as they are now: its page ranks known errors with it
    instead of embedding its words again. Read with the incident (``with_stored_vector``), or in one statement."""
    try:
        data = incident.stored_vector_data  # type: ignore[attr-defined]
    except AttributeError:
        with connection.cursor() as cursor:
            cursor.execute(_STORED, {"id": incident.pk})
            row = cursor.fetchone()
        data = row[0] if row else None
    return None if data is None else vector_from_binary(data)


def forget() -> None:
    """Drop this process's vectors (tests: a rolled-back test leaves vectors of incidents that are gone)."""
    global _vectors
    with _lock:
        _vectors = None


def _read(vectors: OpenVectors, *, everything: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_EVERY if everything else _SINCE, {"seen": vectors.seen})
        rows = cursor.fetchall()
    learn(words for _, _, _, words in rows if words)
    for _horizon, incident_id, data, _words in rows:
        if incident_id is None:
            continue
        if data is None:
            vectors.drop(incident_id)
        else:
            vectors.put(incident_id, vector_from_binary(data))
    vectors.seen = rows[0][0]
    vectors.read_at = time.monotonic()
