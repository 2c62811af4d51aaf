"""The project package: settings, URLs, the Celery app, the `serve` command and the base layout."""

from servicedesk.celery import app as celery_app

__all__ = ["celery_app"]
