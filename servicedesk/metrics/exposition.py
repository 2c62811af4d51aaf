"""What a scrape shows: this process's metrics, or with ``PROMETHEUS_MULTIPROC_DIR`` set those of every process
of the host that writes into that folder, and then the apps' figures from the database (an app names its
collector as ``metrics_collector``, a dotted path on its AppConfig)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """The folder every process of this host writes its metrics into, or None (each process on its own).

    prometheus-client reads the variable when it is imported, so it must be in the environment before the
    process starts; setting it later changes nothing.
    """
    return os.environ.get(MULTIPROC_VARIABLE) or None


def prepare_multiprocess_dir(path: Path) -> Path:
    """Create ``path`` and remove the metric files of processes from an earlier run, before any process starts.

    Only ``*.db`` files go: a folder named by mistake loses nothing else.
    """
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


def process_exited(pid: int) -> None:
    """A process of the host has exited: forget its live gauges (its counters and histograms stay in the sums)."""
    if multiprocess_dir():
        mark_process_dead(pid)


class _ThisProcess:
    """The default registry's metrics, for a process that keeps its own (no multiprocess folder)."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


@functools.cache
def app_collectors() -> tuple[Collector, ...]:
    """The installed apps' database figures, in INSTALLED_APPS order."""
    return tuple(
        import_string(config.metrics_collector)()
        for config in apps.get_app_configs()
        if getattr(config, "metrics_collector", None)
    )


def latest(*, figures: bool = True) -> bytes:
    """The scrape's text; ``figures`` adds the apps' figures (the web's scrape does, a worker's does not)."""
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    if figures:
        for collector in app_collectors():
            registry.register(collector)
    return generate_latest(registry)
