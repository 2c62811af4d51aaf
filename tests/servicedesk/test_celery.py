"""The Celery app as the worker and beat load it from the settings."""

from __future__ import annotations

import importlib

from django.conf import settings

from servicedesk.celery import app


def test_every_task_beat_publishes_is_one_the_worker_knows():
    for module in settings.CELERY_IMPORTS:  # what a worker imports at start
        importlib.import_module(module)

    published = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert published - set(app.tasks) == set()  # else the worker discards the message: "unregistered task"
