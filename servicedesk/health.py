"""What ``/health/ready`` checks: the platform's components, then the apps' (an app names its checks as
``health_checks``, dotted paths on its AppConfig; decision record 0032). A check returns a short message when it
passes and raises ``Failing`` when it does not; its messages are shown to anyone who asks, so they never carry a
host, a path or a credential."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from servicedesk.celery import app

logger = logging.getLogger(__name__)


class Failing(Exception):
    """A check that does not pass, with a message fit for anyone to read."""


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str]
    # What a failure says when the check raised anything but ``Failing`` (whose text could name a host).
    failure: str | Promise
    # Checks that must pass first: a component behind a failing one is reported, not tried.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    message: str
    duration_ms: float
    required: bool

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "failing",
            "message": self.message,
            "duration_ms": self.duration_ms,
            "required": self.required,
        }


@functools.cache
def all_checks() -> tuple[Check, ...]:
    """The platform's checks, then the installed apps' (``health_checks`` on their AppConfig), in that order."""
    from_apps = [
        import_string(path) for config in apps.get_app_configs() for path in getattr(config, "health_checks", ())
    ]
    return (*PLATFORM, *from_apps)


def run_checks() -> list[Result]:
    """Every check, in order; never raises."""
    results: dict[str, Result] = {}
    for check in all_checks():
        required = check.name not in settings.HEALTH_OPTIONAL_CHECKS
        blocked = [need for need in check.needs if need in results and not results[need].ok]
        if blocked:
            message = _("not checked: %(component)s is failing") % {"component": blocked[0]}
            results[check.name] = Result(check.name, False, message, 0.0, required)
            continue
        results[check.name] = _run(check, required)
    return list(results.values())


def _run(check: Check, required: bool) -> Result:
    started = time.perf_counter()
    try:
        ok, message = True, check.run()
    except Failing as failing:
        ok, message = False, str(failing)
    except Exception as error:
        # The operator's log gets the cause (psycopg and redis name host and port, never a password); the
        # answer, which anyone can read, gets the check's own words.
        logger.warning("Health check %s is failing: %s: %s", check.name, type(error).__name__, error)
        ok, message = False, str(check.failure)
    duration = round((time.perf_counter() - started) * 1000, 1)
    return Result(check.name, ok, message, duration, required)


def check_optional_names(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``manage.py check``: a misspelt optional check would leave the one meant required."""
    names = [check.name for check in all_checks()]
    return [
        Error(
            f"HEALTH_OPTIONAL_CHECKS names {name!r}, which is not a health check.",
            hint=f"Use some of: {', '.join(names)}.",
            id="servicedesk.E032",
        )
        for name in settings.HEALTH_OPTIONAL_CHECKS
        if name not in names
    ]


def overall(results: list[Result]) -> str:
    """``ok``; ``degraded`` when only optional checks fail (still ready); ``failing`` when a required one does."""
    if all(result.ok for result in results):
        return "ok"
    if any(result.required and not result.ok for result in results):
        return "failing"
    return "degraded"


# --- the platform's checks ------------------------------------------------------------------------------


def database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return _("answers")


def broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        timeout = settings.HEALTH_TIMEOUT_SECONDS
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return _("Redis answers")
    folders = [
        Path(folder)
        for key, folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items()
        if key.endswith(("_folder", "_folder_in", "_folder_out"))
    ]
    if not all(folder.is_dir() and os.access(folder, os.W_OK | os.X_OK) for folder in folders):
        raise Failing(_("the broker's folders are not writable"))
    return _("the broker's folders are writable")


def worker() -> str:
    """Any worker answering a broadcast ping: ``limit=1`` returns at the first answer, not after the timeout."""
    timeout = settings.HEALTH_TIMEOUT_SECONDS
    if not app.control.ping(timeout=timeout, limit=1):
        raise Failing(_("no worker answered within %(seconds)g s") % {"seconds": timeout})
    return _("a worker answers")


class MigrationsApplied:
    """No migration waits to be applied. Remembered once true: a node's migrations change only with its code,
    when it restarts, so the migration files are read once per process and not at every probe."""

    def __init__(self) -> None:
        self.applied = False

    def __call__(self) -> str:
        if not self.applied:
            executor = MigrationExecutor(connection)
            waiting = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
            if waiting:
                raise Failing(
                    ngettext("%(count)d migration not applied", "%(count)d migrations not applied", waiting)
                    % {"count": waiting}
                )
            self.applied = True
        return _("all applied")


migrations = MigrationsApplied()


def media() -> str:
    """The attachments' folder is writable and its disk has ``HEALTH_MEDIA_MIN_FREE_MB`` free."""
    folder = Path(settings.MEDIA_ROOT)
    # A fresh installation makes the folder at the first upload: its nearest existing parent is checked.
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Failing(_("the media folder is not writable"))
    free = shutil.disk_usage(folder).free // 2**20
    minimum = settings.HEALTH_MEDIA_MIN_FREE_MB
    if free < minimum:
        raise Failing(_("%(free)d MB free, under the %(minimum)d MB required") % {"free": free, "minimum": minimum})
    return _("%(free)d MB free") % {"free": free}


PLATFORM = (
    Check("database", database, failure=gettext_lazy("unreachable")),
    Check("broker", broker, failure=gettext_lazy("unreachable")),
    Check("migrations", migrations, failure=gettext_lazy("could not be read"), needs=("database",)),
    Check("worker", worker, failure=gettext_lazy("could not be asked"), needs=("broker",)),
    Check("media", media, failure=gettext_lazy("could not be read")),
)
