"""The sentence embeddings (knowledge.embeddings): the real model, built once an install and loaded once a process."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from django.core.management import call_command

from knowledge import embedding_model
from knowledge.embedding_model import ModelBuildError, ModelFileError, model_files, pooled, read_safetensors
from knowledge.embeddings import DIMENSIONS, _loaded, embed
from knowledge.mpnet import encoder_graph, relative_buckets

# all-mpnet-base-v2's vectors of these texts, as sentence-transformers 5 computes them in float32 (torch, CPU):
# written once by the reference implementation, outside the project.
REFERENCE_TEXTS = [
    "Outlook will not connect to the Exchange server since this morning",
    "the copier swallows the sheets when I do duplex",
    "VPN",
    "Our web shop's checkout page hangs when a customer pays by card, and we have had complaints all afternoon from "
    "buyers who were charged twice",
]
REFERENCE = Path(__file__).parent / "data" / "mpnet_reference.npy"


def test_embeddings_are_unit_vectors_of_768_float32():
    vectors = embed(["the printer eats my paper", "web shop payment fails", "x"])
    assert vectors.shape == (3, DIMENSIONS) == (3, 768)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_the_int8_model_gives_the_reference_models_vectors():
    agreement = (embed(REFERENCE_TEXTS) * np.load(REFERENCE)).sum(axis=1)
    # Every product in int8 gave 0.80-0.93 here; with the five float layers, 0.97 and above. With 8-bit weights,
    # -0.04 to 0.08 on a processor without VNNI (decision 0067).
    assert agreement.min() > 0.96


def test_texts_that_mean_the_same_are_closer_than_texts_that_do_not():
    caller, jam, payment = embed(
        [
            "the printer eats my paper whenever I print on both sides",
            "Colour printer jams in tray 2 on double-sided prints",
            "Web shop payments fail at checkout",
        ]
    )
    assert caller @ jam > caller @ payment + 0.3


def test_a_batch_gives_what_each_text_gives_alone():
    texts = [f"text number {n} about a printer" for n in range(40)]
    together = embed(texts)
    assert np.allclose(together[35], embed([texts[35]])[0], atol=1e-4)
    assert embed([]).shape == (0, DIMENSIONS)


# --- The graph and its weights ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def float_graph() -> bytes:
    """The graph knowledge.mpnet writes from the packages' weights, in float32 (about 10 s: read once a module)."""
    with embedding_model._archive() as archive:
        weights = read_safetensors(archive.read(embedding_model.WEIGHTS))
    return encoder_graph(weights, pad_id=embedding_model.PAD_ID).SerializeToString()


@pytest.mark.slow
def test_the_float_graph_is_the_reference_model(float_graph):
    """The graph written by knowledge.mpnet, in float32, computes what the reference implementation computes."""
    session = onnxruntime.InferenceSession(float_graph, providers=["CPUExecutionProvider"])
    vectors = pooled(session, _loaded().tokenizer, REFERENCE_TEXTS)
    assert (vectors * np.load(REFERENCE)).sum(axis=1).min() > 0.9999


@pytest.mark.slow
def test_a_build_that_this_processor_computes_wrong_is_refused(float_graph, monkeypatch):
    """The build compares the int8 model's vectors with the float graph's before it keeps the model: on a processor
    that computes it wrong (decision 0067) no install keeps a model whose vectors would be noise."""
    model, _ = model_files()
    tokenizer = _loaded().tokenizer

    embedding_model._check(float_graph, model, tokenizer)  # this install's model: kept

    monkeypatch.setattr(embedding_model, "BUILT_AGREEMENT", 1.01)  # what no int8 model reaches
    with pytest.raises(ModelBuildError, match="its vectors would be noise"):
        embedding_model._check(float_graph, model, tokenizer)


def test_position_buckets_are_exact_near_and_logarithmic_far():
    buckets = relative_buckets(300)
    assert buckets[5, 5] == 0  # the token itself
    assert buckets[5, 4] == 1  # one before
    assert buckets[4, 5] == 17  # one after: the other half of the 32
    assert buckets[10, 3] == 7  # seven before: the last exact bucket
    assert buckets[108, 8] == 15  # a hundred before: logarithmic, 8 + int(8 * ln(12.5) / ln(16))
    assert buckets[299, 0] == 15  # beyond 128: the last bucket
    assert buckets[0, 299] == 31


def test_safetensors_are_read_as_float32_arrays_of_their_shape():
    data = np.arange(6, dtype="<f4").tobytes()
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            "ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]},
            "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [8, 32]},
        }
    ).encode()
    tensors = read_safetensors(struct.pack("<Q", len(header)) + header + bytes(8) + data)
    assert list(tensors) == ["w"]
    assert tensors["w"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_an_archive_member_that_is_not_the_chosen_file_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(embedding_model.TOKENIZER, b'{"not": "the tokenizer"}')
    with zipfile.ZipFile(buffer) as archive, pytest.raises(ModelFileError, match="not the file decision 0061 chose"):
        embedding_model._checked(archive, embedding_model.TOKENIZER, embedding_model.TOKENIZER_SHA256)


def test_the_archive_is_read_across_the_five_packages(tmp_path):
    """A member that spans two parts reads whole: the joined parts are one seekable file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.bin", bytes(range(256)) * 40)
    parts = []
    for n, start in enumerate(range(0, len(buffer.getvalue()), 3000)):
        part = tmp_path / f"archive.zip.{n:03d}"
        part.write_bytes(buffer.getvalue()[start : start + 3000])
        parts.append(part)
    with io.BufferedReader(embedding_model._Joined(parts)) as joined, zipfile.ZipFile(joined) as archive:
        assert archive.read("a.bin") == bytes(range(256)) * 40


@pytest.mark.slow
def test_a_new_install_builds_the_model_once_and_every_process_can_read_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEDESK_MODEL_DIR", str(tmp_path / "models"))

    model, tokenizer = model_files()

    assert model.parent == tmp_path / "models"
    assert model.stat().st_mode & 0o777 == 0o644
    assert tokenizer.stat().st_mode & 0o777 == 0o644
    assert 150_000_000 < model.stat().st_size < 300_000_000  # int8 products, float embeddings
    built_at = model.stat().st_mtime_ns
    assert model_files() == (model, tokenizer)
    assert model.stat().st_mtime_ns == built_at  # not built again
    assert sorted(p.name for p in model.parent.iterdir() if not p.name.startswith(".")) == [model.name, tokenizer.name]


def test_the_build_command_says_where_the_model_is():
    out = io.StringIO()
    call_command("build_embedding_model", stdout=out)
    model, _ = model_files()
    assert "Embedding model ready in" in out.getvalue()
    assert str(model) in out.getvalue()
