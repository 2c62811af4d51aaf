"""``manage.py embed_known_errors``: the vectors of known errors that have none, or a stale one (decision 0043)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from knowledge.vectors import BATCH, known_errors_embed


class Command(BaseCommand):
    help = (
        "Compute the meaning (vector) of every known error that has none, or one computed from words it no longer "
        "has, in batches, each batch in its own transaction. Run it after an upgrade that adds vectors, a bulk load, "
        "or a broker outage that lost the saves' tasks; running it again does nothing more. About 40-70 ms a known "
        "error on one core."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="compute every vector again (a new model)")
        parser.add_argument("--batch", type=int, default=BATCH, help=f"known errors a batch (default {BATCH})")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        written = known_errors_embed(everything=options["all"], batch=max(1, options["batch"]))
        self.stdout.write(f"Known errors embedded: {written} in {time.perf_counter() - started:.1f} s.")
