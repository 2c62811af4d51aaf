"""Celery tasks' outcomes, counted by task name from Celery's signals, in the process that ran the task."""

from __future__ import annotations

from typing import Any

from celery.signals import task_failure, task_retry, task_success
from prometheus_client import Counter

TASK_OUTCOMES = Counter(
    "servicedesk_celery_tasks",
    "Celery tasks run, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)


def _counter(outcome: str) -> Any:
    def count(sender: Any = None, **kwargs: Any) -> None:
        TASK_OUTCOMES.labels(getattr(sender, "name", "unknown"), outcome).inc()

    return count


_succeeded, _failed, _retried = _counter("succeeded"), _counter("failed"), _counter("retried")


def connect() -> None:
    """Count every task's outcome from now on (called once, where the Celery app is made)."""
    task_success.connect(_succeeded, weak=False, dispatch_uid="servicedesk.metrics.succeeded")
    task_failure.connect(_failed, weak=False, dispatch_uid="servicedesk.metrics.failed")
    task_retry.connect(_retried, weak=False, dispatch_uid="servicedesk.metrics.retried")
