"""The sentence embeddings (knowledge.embeddings): the real model, loaded once for the test process."""

from __future__ import annotations

import numpy as np

from knowledge.embeddings import DIMENSIONS, embed, model_files


def test_embeddings_are_unit_vectors_of_384_float32():
    vectors = embed(["the printer eats my paper", "web shop payment fails", "x"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


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


def test_the_installed_files_are_the_ones_chosen():
    model, tokenizer = model_files()
    assert model.name == "model.onnx"
    assert tokenizer.name == "tokenizer.json"
