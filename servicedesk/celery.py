"""The Celery application. Configuration lives in Django settings under the ``CELERY_`` prefix."""

import logging
import logging.config
import os
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
from django.conf import settings
from django.db import InterfaceError, OperationalError

from servicedesk import actor, request_context
from servicedesk.metrics import tasks as task_metrics
from servicedesk.metrics import worker as worker_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

logger = logging.getLogger(__name__)

app = Celery("servicedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The retry policy of tasks that need only the database back: a database that is briefly away (a restart, a
# failover) is waited for; anything else is a bug to see.
DATABASE_RETRIES = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


# A task's writes are audited as the task's, with no user (servicedesk.actor): "task incidents.tasks.…"; its log
# lines carry its name and id, and the id of the request that published it (servicedesk.request_context).
@task_prerun.connect(weak=False)
def _act_as_the_task(task_id: str, task: Any, **kwargs: Any) -> None:
    actor.task_started(task_id, task.name)
    request_context.task_started(task_id, task)


@task_postrun.connect(weak=False)
def _stop_acting_as_the_task(task_id: str, **kwargs: Any) -> None:
    request_context.task_finished(task_id)
    actor.task_finished(task_id)


# Each task's outcome is counted, and with METRICS_WORKER_PORT a worker answers scrapes (servicedesk.metrics).
task_metrics.connect()
worker_metrics.connect()


@before_task_publish.connect(weak=False)
def _carry_the_request_id(headers: dict[str, Any], **kwargs: Any) -> None:
    request_context.message_headers(headers)


@setup_logging.connect(weak=False)
def _log_as_the_portal(loglevel: int | None = None, **kwargs: Any) -> None:
    """The worker and beat log as the web does (LOGGING, LOG_FORMAT), not in Celery's own format, at the level
    their ``--loglevel`` says. With ``worker_hijack_root_logger`` off (a worker inside the tests) logging is left
    alone."""
    if not app.conf.worker_hijack_root_logger:
        return
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


# Publishing after commit must not keep a request waiting for long on a broker that is down.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def publish_row(task: Any, row_id: int, *, eagerly: bool, countdown: float | None, sweep: str) -> bool:
    """Publish ``task`` for one outbox row (the mail's, the webhooks'), or with ``eagerly`` run it now.

    Never raises: a broker that cannot be reached is logged, and ``sweep`` (the periodic task that finds due rows)
    publishes the row again. Returns whether the task was published (or run); a delayed one is never run eagerly.
    """
    return publish(task, [row_id], eagerly=eagerly, countdown=countdown, sweep=sweep)


def publish(task: Any, args: list[Any], *, eagerly: bool, countdown: float | None, sweep: str) -> bool:
    """``publish_row`` for a task of any arguments: ``sweep`` says what does its work when it cannot be published."""
    if eagerly:
        if countdown is None:
            task.apply(args=args)
        return countdown is None
    try:
        task.apply_async(args=args, countdown=countdown, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:
        logger.warning("%s%s could not be queued; %s does its work later.", task.name, tuple(args), sweep,
                       exc_info=True)  # fmt: skip
        return False
    return True
