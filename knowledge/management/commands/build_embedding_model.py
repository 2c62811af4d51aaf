"""``manage.py build_embedding_model``: the int8 model of the meaning, built once an install (decision 0061)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from knowledge.embedding_model import model_files


class Command(BaseCommand):
    help = (
        "Build the embedding model from the weights the installed packages carry (about 15 s and 1.5 GB of memory, "
        "once an install), so that the first process to match a call does not. An image's build and a deployment "
        "run it; on a laptop the first match does it. Running it again does nothing more."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        model, tokenizer = model_files()
        seconds, size = time.perf_counter() - started, model.stat().st_size / 1e6
        self.stdout.write(f"Embedding model ready in {seconds:.1f} s: {model} ({size:.0f} MB), {tokenizer.name}.")
