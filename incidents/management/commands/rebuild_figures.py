"""``manage.py rebuild_figures``: the dashboard's day figures again from the incidents and their journal."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from incidents.models import DayFigures
from incidents.reporting import figures


class Command(BaseCommand):
    help = (
        "Build the dashboard's day figures again from the incidents, their CI links and the journal. The "
        "database keeps them as incidents change; this is for data written with the triggers switched off "
        "(a bulk load or a restore of the incident tables only). Takes about 20 s per million incidents; "
        "writes to incidents wait for it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        figures.rebuild()
        days = DayFigures.objects.count()
        self.stdout.write(
            f"Day figures rebuilt: {days} {'day' if days == 1 else 'days'} in {time.perf_counter() - started:.1f} s"
            f" (counted in {figures.zone()})."
        )
