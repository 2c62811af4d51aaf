"""``manage.py embed_incidents``: the vectors of open incidents that have none, or a stale one (decision 0056)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from incidents.recording.vectors import BATCH, incidents_embed


class Command(BaseCommand):
    help = (
        "Compute the meaning (vector) of every open incident that has none, or one computed from words it no longer "
        "has, in batches, each batch in its own transaction: the similar incidents of the call-logging page find "
        "incidents by it. Run it after the upgrade that adds vectors, a bulk load, or a broker outage that lost the "
        "tasks; running it again does nothing more. About 30-60 ms an incident on one core, less for repeated texts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help=f"incidents a batch (default {BATCH})")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        written = incidents_embed(batch=max(1, options["batch"]))
        if written:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE incidents_incidentmeaning")  # many new rows: the planner should know them
        self.stdout.write(f"Open incidents embedded: {written} in {time.perf_counter() - started:.1f} s.")
