"""The published known errors nearest in meaning to a caller's words: their vectors held in each process as one
matrix, reloaded when the meaning stamp moves (decision 0043, as decision 0037 does for the configuration)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from django.db import connection

from knowledge.embeddings import DIMENSIONS, embed_text, vector_from_binary
from knowledge.spelling import corrected, learn

# The stamp's statement, for callers that read it with their own first query (knowledge.matching does): 0 until a
# vector of a published known error was first written, when there is nothing to load.
STAMP_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM knowledge_meaning_stamp"
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros((0, DIMENSIONS), dtype=np.float32))

_VECTORS = """
SELECT k.id, array_send(k.embedding), k.title || ' ' || k.symptoms FROM knowledge_knownerror AS k
WHERE k.published AND cardinality(k.embedding) = %(dimensions)s
ORDER BY k.id
"""


@dataclass(frozen=True, slots=True)
class _Matrix:
    stamp: int
    ids: np.ndarray  # int64, (n,)
    vectors: np.ndarray  # float32, (n, 384)


@dataclass(frozen=True, slots=True)
class Nearest:
    """The known errors nearest to a text, best first, with their cosine; ``floor`` is the lowest cosine listed
    (what any known error not listed has at most), 0 when all are listed."""

    ids: list[int]
    cosines: list[float]
    floor: float


_matrix: _Matrix | None = None
_loading = threading.Lock()


def nearest(text: str, *, stamp: int, count: int, vector: np.ndarray | None = None) -> Nearest:
    """The ``count`` published known errors nearest in meaning to ``text``, or to ``vector`` (its embedding, stored
    when it was written); ``stamp`` is the meaning stamp read in the caller's transaction. No query unless the
    stamp moved since this process last loaded the vectors."""
    matrix = _vectors(stamp)
    if not len(matrix.ids) or not text.strip():
        return Nearest(ids=[], cosines=[], floor=0.0)
    cosines = matrix.vectors @ (embed_text(corrected(text).text) if vector is None else vector)
    if count < len(cosines):
        best = np.argpartition(-cosines, count)[:count]
        best = best[np.argsort(-cosines[best], kind="stable")]
        floor = float(cosines[best[-1]])
    else:
        best = np.argsort(-cosines, kind="stable")
        floor = 0.0
    return Nearest(ids=matrix.ids[best].tolist(), cosines=cosines[best].astype(float).tolist(), floor=floor)


def _vectors(stamp: int) -> _Matrix:
    global _matrix
    matrix = _matrix
    if matrix is not None and matrix.stamp == stamp:
        return matrix
    if not stamp:
        return _Matrix(0, *_EMPTY)
    with _loading:
        if _matrix is None or _matrix.stamp != stamp:
            _matrix = _load(stamp)
        return _matrix


def forget() -> None:
    """Drop this process's vectors (tests: a rolled-back test leaves the stamp's sequence where it moved)."""
    global _matrix
    _matrix = None


def _load(stamp: int) -> _Matrix:
    """The published vectors, read in binary: a text real[] would cost seconds to parse at 50,000 known errors."""
    with connection.cursor() as cursor:
        cursor.execute(_VECTORS, {"dimensions": DIMENSIONS})
        rows = cursor.fetchall()
    ids = np.fromiter((pk for pk, _, _ in rows), dtype=np.int64, count=len(rows))
    vectors = np.empty((len(rows), DIMENSIONS), dtype=np.float32)
    for i, (_, data, _) in enumerate(rows):
        vectors[i] = vector_from_binary(data)
    learn(words for _, _, words in rows)
    return _Matrix(stamp=stamp, ids=ids, vectors=vectors)
