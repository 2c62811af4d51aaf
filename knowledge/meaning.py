"""The published known errors nearest in meaning to a caller's words: their vectors held in each process, reloaded
when the meaning stamp moves (decision 0043, as decision 0037 does for the configuration).

A known error is as near as the nearer of its whole text and its closest sentence (``knowledge.vectors``, decision
0066). The whole texts are one float32 matrix, ranked in full; the sentences, in float16 (half the memory, a
cosine off by less than 0.001), are read only for the ``SENTENCE_POOL`` known errors nearest by their whole text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from knowledge.embeddings import DIMENSIONS, array_from_binary, embed_text
from knowledge.spelling import corrected, learn

# The stamp's statement, for callers that read it with their own first query (knowledge.matching does): 0 until a
# vector of a published known error was first written, when there is nothing to load.
STAMP_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM knowledge_meaning_stamp"
# The known errors nearest by their whole text whose sentences are compared too; one whose whole text is not among
# them is judged by its whole text alone. At 50,000 known errors the sentences of 500 cost 1.4 ms a match, those of
# 200 0.8 ms, of 1,000 8 ms (a busy machine; the whole texts' product 16 ms).
SENTENCE_POOL = 500

# A process that holds vectors already reads which published known errors have one and the words they were computed
# from, and then only the vectors it does not hold: after one known error is saved, one instead of 50,000 (seconds).
_LIVE = """
SELECT k.id, k.embedded_digest FROM knowledge_knownerror AS k WHERE k.published AND k.embedding IS NOT NULL
"""
_VECTORS = """
SELECT k.id, k.embedded_digest, array_send(k.embedding), k.title || ' ' || k.symptoms FROM knowledge_knownerror AS k
WHERE k.published AND array_ndims(k.embedding) = 2 AND array_length(k.embedding, 2) = %(dimensions)s
    AND (%(everything)s OR k.id = ANY(%(ids)s::bigint[]))
"""


@dataclass(frozen=True, slots=True)
class _Matrix:
    stamp: int
    ids: np.ndarray  # int64, (n,)
    vectors: np.ndarray  # float32, (n, 768): the whole texts
    sentences: np.ndarray  # float16, (m, 768): the sentences, known error by known error
    starts: np.ndarray  # int64, (n + 1,): known error i's sentences are sentences[starts[i]:starts[i + 1]]
    digests: tuple[str, ...]  # (n,): the words each known error's vectors were computed from


@dataclass(frozen=True, slots=True)
class Nearest:
    """The known errors nearest to a text, best first, with their cosine. ``sentences`` has, for those a sentence
    of the symptoms was nearer than the whole text, which one: its place among ``known_error_views`` (from 1)."""

    ids: list[int]
    cosines: list[float]
    sentences: dict[int, int] = field(default_factory=dict)


_matrix: _Matrix | None = None
_loading = threading.Lock()


def nearest(text: str, *, stamp: int, count: int, vector: np.ndarray | None = None) -> Nearest:
    """The ``count`` published known errors nearest in meaning to ``text``, or to ``vector`` (its embedding, stored
    when it was written); ``stamp`` is the meaning stamp read in the caller's transaction. No query unless the
    stamp moved since this process last loaded the vectors."""
    matrix = _vectors(stamp)
    if not len(matrix.ids) or not text.strip():
        return Nearest(ids=[], cosines=[])
    query = embed_text(corrected(text).text) if vector is None else vector
    cosines, places = _with_sentences(matrix, query, matrix.vectors @ query, pool=max(SENTENCE_POOL, count))
    if count < len(cosines):
        best = np.argpartition(-cosines, count)[:count]
        best = best[np.argsort(-cosines[best], kind="stable")]
    else:
        best = np.argsort(-cosines, kind="stable")
    return Nearest(
        ids=matrix.ids[best].tolist(),
        cosines=cosines[best].astype(float).tolist(),
        sentences={int(matrix.ids[row]): places[row] for row in best.tolist() if row in places},
    )


def _with_sentences(
    matrix: _Matrix, query: np.ndarray, cosines: np.ndarray, *, pool: int
) -> tuple[np.ndarray, dict[int, int]]:
    """``cosines`` (of the whole texts), each of the ``pool`` highest raised to its known error's closest sentence's;
    and for the rows a sentence raised, that sentence's place among the known error's views (from 1). The nearest
    ``pool`` are all among the pool: at least ``pool`` others are as near as any row outside it."""
    rows = np.argpartition(-cosines, pool)[:pool] if pool < len(cosines) else np.arange(len(cosines))
    starts = matrix.starts[rows]
    counts = matrix.starts[rows + 1] - starts
    rows, starts, counts = rows[counts > 0], starts[counts > 0], counts[counts > 0]
    if not len(rows):
        return cosines, {}
    # The sentences of those rows, in one index: block k runs from offsets[k] for counts[k].
    offsets = np.cumsum(counts) - counts
    index = np.arange(int(counts.sum())) + np.repeat(starts - offsets, counts)
    sentence_cosines = matrix.sentences[index].astype(np.float32) @ query
    closest = np.maximum.reduceat(sentence_cosines, offsets)
    # Each block's first sentence at its maximum: its place among the block.
    at_max = np.flatnonzero(sentence_cosines == np.repeat(closest, counts))
    blocks, first = np.unique(np.searchsorted(offsets, at_max, side="right") - 1, return_index=True)
    places = np.empty(len(rows), dtype=np.int64)
    places[blocks] = at_max[first] - offsets[blocks]
    raised = closest > cosines[rows]
    cosines[rows[raised]] = closest[raised]
    return cosines, dict(zip(rows[raised].tolist(), (places[raised] + 1).tolist(), strict=True))


def _vectors(stamp: int) -> _Matrix:
    global _matrix
    matrix = _matrix
    if matrix is not None and matrix.stamp == stamp:
        return matrix
    if not stamp:
        return _empty(0)
    with _loading:
        if _matrix is None or _matrix.stamp != stamp:
            _matrix = _load(stamp, _matrix)
        return _matrix


def forget() -> None:
    """Drop this process's vectors (tests: a rolled-back test leaves the stamp's sequence where it moved)."""
    global _matrix
    _matrix = None


def _load(stamp: int, held: _Matrix | None) -> _Matrix:
    """The published vectors: those ``held`` has of the same words kept, the others read in binary (a text real[]
    would cost seconds to parse at 50,000 known errors). The words of those read join the desk's
    (``knowledge.spelling``)."""
    # Each known error's vectors, by id: its whole text's, its sentences', and the digest of their words.
    found: dict[int, tuple[np.ndarray, np.ndarray, str]] = {}
    missing: list[int] = []
    with connection.cursor() as cursor:
        if held is not None:
            rows_held = {pk: row for row, pk in enumerate(held.ids.tolist())}
            cursor.execute(_LIVE)
            for pk, digest in cursor.fetchall():
                row = rows_held.get(pk)
                if row is None or held.digests[row] != digest:
                    missing.append(pk)
                    continue
                sentences = held.sentences[held.starts[row] : held.starts[row + 1]]
                found[pk] = (held.vectors[row], sentences, digest)
        read = []
        if held is None or missing:
            cursor.execute(_VECTORS, {"dimensions": DIMENSIONS, "everything": held is None, "ids": missing})
            read = cursor.fetchall()
    for pk, digest, data, _ in read:
        views = array_from_binary(data)
        found[pk] = (views[0], views[1:].astype(np.float16), digest)
    learn(words for _, _, _, words in read)
    if not found:
        return _empty(stamp)
    ids = sorted(found)
    return _Matrix(
        stamp=stamp,
        ids=np.array(ids, dtype=np.int64),
        vectors=np.stack([found[pk][0] for pk in ids]),
        sentences=np.concatenate([found[pk][1] for pk in ids]),
        starts=np.concatenate([[0], np.cumsum([len(found[pk][1]) for pk in ids])]).astype(np.int64),
        digests=tuple(found[pk][2] for pk in ids),
    )


def _empty(stamp: int) -> _Matrix:
    return _Matrix(
        stamp=stamp,
        ids=np.zeros(0, dtype=np.int64),
        vectors=np.zeros((0, DIMENSIONS), dtype=np.float32),
        sentences=np.zeros((0, DIMENSIONS), dtype=np.float16),
        starts=np.zeros(1, dtype=np.int64),
        digests=(),
    )
