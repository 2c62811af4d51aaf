"""gunicorn's hooks for the portal (``--config python:servicedesk.gunicorn_config``): a worker that exits is
marked dead for the metrics its host's processes share (``PROMETHEUS_MULTIPROC_DIR``, decision record 0030)."""

from __future__ import annotations

from typing import Any

from servicedesk.metrics.exposition import process_exited


def child_exit(server: Any, worker: Any) -> None:
    process_exited(worker.pid)
