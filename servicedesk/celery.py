"""The Celery application. Configuration lives in Django settings under the ``CELERY_`` prefix."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import InterfaceError, OperationalError

from servicedesk import actor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

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


# A task's writes are audited as the task's, with no user (servicedesk.actor): "task incidents.tasks.…".
@task_prerun.connect(weak=False)
def _act_as_the_task(task_id: str, task: Any, **kwargs: Any) -> None:
    actor.task_started(task_id, task.name)


@task_postrun.connect(weak=False)
def _stop_acting_as_the_task(task_id: str, **kwargs: Any) -> None:
    actor.task_finished(task_id)
